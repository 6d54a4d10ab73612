#include "tern/nn/describe.h"

#include "tern/autograd/grad_mode.h"
#include "tern/nn/models.h"
#include "tern/nn/module.h"
#include "tern/ops/ops.h"

namespace tern::nn {

namespace {
thread_local DescribeSession* g_session = nullptr;
}

int64_t op_flops(int kind_int, const Tensor* in, int nin, const Tensor* out, int nout) {
  const OpKind kind = static_cast<OpKind>(kind_int);
  switch (kind) {
    case OpKind::conv2d: {
      const Shape& w = in[1].shape();  // [oc, c/g, kh, kw]
      return 2 * out[0].numel() * w[1] * w[2] * w[3];
    }
    case OpKind::linear:
      return 2 * out[0].numel() * in[1].shape()[1];
    case OpKind::matmul:
      return 2 * out[0].numel() * in[0].shape().back();
    case OpKind::reshape: case OpKind::permute: case OpKind::expand: case OpKind::slice:
      return 0;
    default:
      return nout > 0 ? out[0].numel() : 0;
  }
}

struct FlopCounter : OpObserver {
  DescribeSession* session;
  int64_t total = 0;
  void on_op(OpKind kind, const Tensor* in, int nin, const Attrs&, const Tensor* out, int nout, int64_t) override {
    const int64_t f = op_flops(static_cast<int>(kind), in, nin, out, nout);
    session->flops_ += f;
    total += f;
  }
};

DescribeSession::DescribeSession(ModelDescription* out, const Module& root) : out_(out) {
  name_tree(root, "");
  g_session = this;
}
DescribeSession::~DescribeSession() { g_session = nullptr; }
DescribeSession* DescribeSession::active() { return g_session; }

void DescribeSession::name_tree(const Module& m, const std::string& prefix) {
  names_[&m] = prefix;
  for (const auto& [name, child] : m.children()) name_tree(*child, prefix.empty() ? name : prefix + "." + name);
}

Tensor DescribeSession::call(Module& m, const Tensor& x) {
  const int64_t flops_before = flops_;
  Tensor y = m.forward(x);
  if (m.children().empty()) {  // only leaves are listed; containers are their sum
    LayerInfo info;
    auto it = names_.find(&m);
    info.name = it != names_.end() && !it->second.empty() ? it->second : m.type();
    info.type = m.type();
    info.output_shape = y.shape();
    info.parameters = m.num_parameters();
    info.flops = flops_ - flops_before;
    out_->layers.push_back(std::move(info));
  }
  return y;
}

ModelDescription describe(Module& model, const Shape& input_shape, DType input_dtype) {
  ModelDescription d;
  d.input_shape = input_shape;
  d.parameters = model.num_parameters();
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  {
    DescribeSession session(&d, model);
    const Tensor input = zeros(input_shape, input_dtype);
    FlopCounter counter;
    counter.session = &session;
    add_observer(&counter);
    try {
      model(input);
    } catch (...) {
      remove_observer(&counter);
      model.train(was_training);
      throw;
    }
    remove_observer(&counter);
    d.flops = counter.total;  // includes ops outside leaf modules (residual adds, ...)
  }
  model.train(was_training);
  return d;
}

ModelDescription describe_zoo_model(const std::string& name, int64_t batch) {
  TERN_CHECK(batch >= 1, "describe: batch must be >= 1, got ", batch);
  const ModelSpec& spec = find_model(name);
  ModulePtr m = spec.make(spec.defaults);
  Shape in = sample_input_shape(spec, spec.defaults);
  in.insert(0, batch);
  return describe(*m, in, spec.image_model ? DType::f32 : DType::i64);
}

}  // namespace tern::nn
