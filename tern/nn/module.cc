#include "tern/nn/module.h"

#include "tern/nn/describe.h"

namespace tern::nn {

namespace {
thread_local ForwardGate* t_forward_gate = nullptr;
}  // namespace

ScopedForwardGate::ScopedForwardGate(ForwardGate* gate) : previous_(t_forward_gate) { t_forward_gate = gate; }
ScopedForwardGate::~ScopedForwardGate() { t_forward_gate = previous_; }

Tensor Module::operator()(const Tensor& x) {
  if (ForwardGate* g = t_forward_gate) [[unlikely]]
    g->before_forward(*this);
  if (DescribeSession* s = DescribeSession::active()) [[unlikely]]
    return s->call(*this, x);
  return forward(x);
}

void Module::collect(const std::string& prefix, bool params, NamedTensors& out) const {
  for (const auto& [name, t] : params ? params_ : buffers_) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect(prefix + name + ".", params, out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect("", true, out);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors out;
  collect("", false, out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::state() const {
  NamedTensors out = named_parameters();
  for (auto& nt : named_buffers()) out.push_back(nt);
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

void Module::collect_inits(const std::string& prefix,
                           std::vector<std::pair<std::string, init::InitSpec>>& out) const {
  for (size_t i = 0; i < params_.size(); ++i) out.emplace_back(prefix + params_[i].first, inits_[i]);
  for (const auto& [name, child] : children_) child->collect_inits(prefix + name + ".", out);
}

std::vector<std::pair<std::string, init::InitSpec>> Module::named_inits() const {
  std::vector<std::pair<std::string, init::InitSpec>> out;
  collect_inits("", out);
  return out;
}

void Module::set_init(const std::string& name, const init::InitSpec& spec) {
  for (size_t i = 0; i < params_.size(); ++i)
    if (params_[i].first == name) {
      inits_[i] = spec;
      return;
    }
  TERN_FAIL(type_, ": no parameter '", name, "' to record an initialiser for");
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

Tensor& Module::register_parameter(const std::string& name, Tensor t) {
  t.set_requires_grad(true);
  params_.emplace_back(name, std::move(t));
  inits_.emplace_back();
  return params_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  buffers_.emplace_back(name, std::move(t));
  return buffers_.back().second;
}

Sequential& Sequential::add(ModulePtr m) { return add(std::to_string(children().size()), std::move(m)); }

Sequential& Sequential::add(const std::string& name, ModulePtr m) {
  register_module(name, std::move(m));
  return *this;
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (const auto& [name, child] : children()) h = (*child)(h);
  return h;
}

}  // namespace tern::nn
