#include "tern/optim/optimizer.h"

#include <cmath>
#include <set>

#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace tern::optim {

void check_hyper(bool ok, const char* optimizer, const char* what, const char* expected, double value) {
  TERN_CHECK(ok, optimizer, ": ", what, " must be ", expected, ", got ", value);
}

Optimizer::Optimizer(std::vector<ParamRef> params, double lr) : params_(std::move(params)), lr_(0) {
  std::set<std::string> seen;
  std::map<const TensorImpl*, std::string> tensors;
  for (const ParamRef& p : params_) {
    TERN_CHECK(!p.name.empty(), "optimizer: every parameter needs a non-empty name");
    TERN_CHECK(seen.insert(p.name).second, "optimizer: parameter name '", p.name, "' appears twice");
    TERN_CHECK(p.param.defined(), "optimizer: parameter '", p.name, "' is an undefined tensor");
    // The same tensor twice would be updated twice per step.
    const auto [it, fresh] = tensors.emplace(p.param.impl(), p.name);
    TERN_CHECK(fresh, "optimizer: parameters '", it->second, "' and '", p.name, "' are the same tensor");
    TERN_CHECK_TYPE(p.param.dtype() == DType::f32 || p.param.dtype() == DType::f64, "optimizer: parameter '",
                    p.name, "' has dtype ", dtype_name(p.param.dtype()), ", expected f32 or f64");
    TERN_CHECK(p.param.device().type == DeviceType::cpu, "optimizer: parameter '", p.name,
               "' is not on the CPU; only CPU updates exist");
    TERN_CHECK(p.param.is_leaf(), "optimizer: parameter '", p.name,
               "' is not a leaf tensor (it was computed by an op); pass the tensor itself");
    // The update loops write the storage as one flat buffer.
    TERN_CHECK(p.param.is_contiguous(), "optimizer: parameter '", p.name, "' with shape ",
               shape_str(p.param.shape()), " is not contiguous; pass a contiguous tensor");
  }
  states_.resize(params_.size());
  set_lr(lr);
}

void Optimizer::set_lr(double lr) {
  TERN_CHECK(std::isfinite(lr) && lr >= 0, "optimizer: learning rate must be finite and >= 0, got ", lr);
  lr_ = lr;
}

void Optimizer::step() {
  NoGradGuard no_grad;
  // Check every gradient before touching any parameter, so a bad gradient
  // leaves the model as it was.
  std::vector<std::pair<size_t, Tensor>> work;
  work.reserve(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i].param;
    Tensor g = p.grad();
    if (!g.defined()) continue;
    TERN_CHECK(g.shape() == p.shape(), "optimizer: gradient of '", params_[i].name, "' has shape ",
               shape_str(g.shape()), ", the parameter has ", shape_str(p.shape()));
    TERN_CHECK_TYPE(g.dtype() == p.dtype(), "optimizer: gradient of '", params_[i].name, "' has dtype ",
                    dtype_name(g.dtype()), ", the parameter has ", dtype_name(p.dtype()));
    if (!g.is_contiguous()) g = contiguous(g);
    work.emplace_back(i, std::move(g));
  }
  if (!work.empty()) {
    std::vector<StepGrad> grads;
    grads.reserve(work.size());
    for (auto& [i, g] : work) grads.push_back({params_[i], g, states_[i]});
    begin_step(grads);
  }
  for (auto& [i, g] : work) {
    ++states_[i].step;
    update(params_[i].param, g, states_[i]);
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (ParamRef& p : params_) p.param.zero_grad();
}

Tensor& Optimizer::buffer(const Tensor& param, ParamState& state, const std::string& key, double init,
                          bool* created) {
  auto it = state.buffers.find(key);
  const bool make = it == state.buffers.end();
  if (make) it = state.buffers.emplace(key, full(buffer_shape(param, key), init, buffer_dtype(param, key))).first;
  if (created) *created = make;
  return it->second;
}

NamedTensors Optimizer::state_dict() const {
  NamedTensors out;
  out.emplace_back("lr", Tensor::scalar(lr_, DType::f64));
  out.emplace_back("step", Tensor::scalar(static_cast<double>(steps_), DType::i64));
  NoGradGuard no_grad;
  for (auto& entry : global_state()) out.push_back(std::move(entry));
  for (size_t i = 0; i < params_.size(); ++i) {
    const ParamState& s = states_[i];
    if (s.step == 0) continue;
    out.emplace_back(params_[i].name + ".step", Tensor::scalar(static_cast<double>(s.step), DType::i64));
    // Copies, so that training on does not change a saved state.
    for (const auto& [key, buf] : s.buffers) out.emplace_back(params_[i].name + "." + key, clone(buf));
  }
  return out;
}

namespace {

// Reads a one-element entry as an integer count >= min.
int64_t read_count(const std::string& key, const Tensor& t, int64_t min) {
  TERN_CHECK(t.numel() == 1, "optimizer state: '", key, "' should hold one number, got shape ",
             shape_str(t.shape()));
  const double v = t.item();
  TERN_CHECK(std::isfinite(v) && v == std::floor(v) && v >= static_cast<double>(min) && v < 9.0e15,
             "optimizer state: '", key, "' should be an integer >= ", min, ", got ", v);
  return static_cast<int64_t>(v);
}

}  // namespace

void Optimizer::load_state_dict(const NamedTensors& state) {
  std::map<std::string, Tensor> entries;
  for (const auto& [key, t] : state) {
    TERN_CHECK(t.defined(), "optimizer state: entry '", key, "' is an undefined tensor");
    TERN_CHECK(entries.emplace(key, t).second, "optimizer state: entry '", key, "' appears twice");
  }
  std::set<std::string> used;
  auto take = [&](const std::string& key) -> const Tensor* {
    auto it = entries.find(key);
    if (it == entries.end()) return nullptr;
    used.insert(key);
    return &it->second;
  };
  const std::vector<std::string> keys = state_keys();
  std::string layout = "'lr', 'step' and, per updated parameter, '<param>.step'";
  for (const std::string& k : keys) layout += ", '<param>." + k + "'";

  const Tensor* lr_t = take("lr");
  const Tensor* step_t = take("step");
  TERN_CHECK(lr_t && step_t, "optimizer state: missing '", lr_t ? "step" : "lr", "'; a ", kind(),
             " optimizer keeps ", layout);
  TERN_CHECK(lr_t->numel() == 1, "optimizer state: 'lr' should hold one number, got shape ",
             shape_str(lr_t->shape()));
  const double lr = lr_t->item();
  TERN_CHECK(std::isfinite(lr) && lr >= 0, "optimizer state: 'lr' must be finite and >= 0, got ", lr);
  const int64_t steps = read_count("step", *step_t, 0);

  NoGradGuard no_grad;
  const std::function<void()> install_global = load_global_state(take);
  std::vector<ParamState> fresh(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const std::string& name = params_[i].name;
    const Tensor& p = params_[i].param;
    const Tensor* ps = take(name + ".step");
    if (!ps) {
      // Never updated: it must have no buffers either.
      for (const std::string& k : keys)
        TERN_CHECK(!entries.count(name + "." + k), "optimizer state: has '", name, ".", k, "' but no '", name,
                   ".step'");
      continue;
    }
    fresh[i].step = read_count(name + ".step", *ps, 1);
    for (const std::string& k : keys) {
      const std::string full_key = name + "." + k;
      const Tensor* b = take(full_key);
      TERN_CHECK(b, "optimizer state: missing '", full_key, "' (parameter '", name, "' was updated ",
                 fresh[i].step, " times, so a ", kind(), " optimizer must have its '", k, "' buffer)");
      const Shape want = buffer_shape(p, k);
      TERN_CHECK(b->shape() == want, "optimizer state: '", full_key, "' has shape ", shape_str(b->shape()),
                 ", the parameter needs ", shape_str(want));
      TERN_CHECK_TYPE(is_floating(b->dtype()), "optimizer state: '", full_key, "' has dtype ",
                      dtype_name(b->dtype()), ", expected a floating-point tensor");
      // A private copy in the buffer's dtype: the caller's tensor stays theirs.
      const DType dt = buffer_dtype(p, k);
      fresh[i].buffers[k] = b->dtype() == dt ? clone(*b) : contiguous(cast(*b, dt));
    }
  }
  for (const auto& [key, t] : entries)
    TERN_CHECK(used.count(key), "optimizer state: unexpected entry '", key, "'; a ", kind(),
               " optimizer over these parameters keeps ", layout);

  install_global();
  states_ = std::move(fresh);
  lr_ = lr;
  steps_ = steps;
}

}  // namespace tern::optim
