// Staged == eager on the model zoo at batch 2 (the ImageNet-shaped models
// and resnet56/110 in the slow-labelled build of this file):
// outputs, parameter gradients through the staged call (whose backward is a
// staged graph), and batch-norm running statistics updated through captured
// buffers.
#include <gtest/gtest.h>

#include <cstring>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/autograd/node.h"
#include "tern/graph/function.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using Ts = std::vector<Tensor>;

std::vector<Tensor> clones(const nn::NamedTensors& ts) {
  std::vector<Tensor> out;
  for (const auto& [name, t] : ts) out.push_back(clone(t.detach()));
  return out;
}

void restore(const nn::NamedTensors& ts, const std::vector<Tensor>& saved) {
  for (size_t k = 0; k < ts.size(); ++k) std::memcpy(ts[k].second.raw_data(), saved[k].raw_data(), saved[k].nbytes());
}

class StagedZoo : public testing::TestWithParam<std::string> {};

// A batch of 2 inputs for the model: images, or tokens for lstm-lm.
Tensor model_input(const nn::ModelSpec& spec) {
  Shape shape = nn::sample_input_shape(spec, spec.defaults);
  shape.insert(0, 2);
  if (spec.image_model) return randn(shape);
  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < numel_of(shape); ++i) tokens.push_back((i * 7919) % spec.defaults.vocab);
  return Tensor::from_vector<int64_t>(tokens, shape);
}

TEST_P(StagedZoo, OutputsGradientsAndBuffersEqualEager) {
  const std::string name = GetParam();
  manual_seed(7);
  const nn::ModelSpec& spec = nn::find_model(name);
  nn::ModulePtr m = nn::make_model(name, spec.defaults);
  m->train();
  const Tensor x = model_input(spec);
  auto f = function([&](const Ts& a) { return Ts{(*m)(a[0])}; }, FunctionOptions{name});
  const Tensor w = randn(f({x})[0].shape());  // traced (an eager run); w weighs the outputs in the loss
  const auto params = m->named_parameters();
  const auto buffers = m->named_buffers();
  for (const auto& [n, p] : params) Tensor(p).zero_grad();
  const std::vector<Tensor> buffers0 = clones(buffers);

  manual_seed(21);  // dropout (lstm-lm) draws the same masks in both runs
  const Tensor eager = (*m)(x);
  autograd::backward(sum(mul(eager, w)));
  const std::vector<Tensor> eager_buffers = clones(buffers);
  std::vector<Tensor> eager_grads;
  for (const auto& [n, p] : params) {
    eager_grads.push_back(p.grad());
    Tensor(p).zero_grad();
  }

  restore(buffers, buffers0);
  manual_seed(21);
  const Tensor staged = f({x})[0];
  // One tape node for the whole call; its gradient is a staged graph too.
  const StagedBackward* sb = f.last_backward();
  ASSERT_NE(sb, nullptr) << name << ": the call was recorded op by op";
  EXPECT_EQ(staged.grad_fn()->name(), std::string("staged_call")) << name;
  autograd::backward(sum(mul(staged, w)));
  EXPECT_EQ(sb->backward_calls(), 1) << name;
  EXPECT_GT(sb->backward_graph().nodes().size(), sb->forward_graph().nodes().size() / 2) << name;
  EXPECT_EQ(f.trace_count(), 1);
  EXPECT_TRUE(allclose(staged, eager, 1e-5, 1e-7)) << name;
  for (size_t k = 0; k < params.size(); ++k) {
    ASSERT_TRUE(params[k].second.grad().defined()) << name << " " << params[k].first;
    EXPECT_TRUE(allclose(params[k].second.grad(), eager_grads[k], 1e-5, 1e-7)) << name << " " << params[k].first;
  }
  for (size_t k = 0; k < buffers.size(); ++k)
    EXPECT_TRUE(allclose(buffers[k].second, eager_buffers[k], 1e-5, 1e-7)) << name << " " << buffers[k].first;
  if (!buffers.empty()) {
    EXPECT_FALSE(allclose(buffers[0].second, buffers0[0], 0, 0)) << "running stats not updated";
  }
}

// Inference (eval mode, no grad) takes the planned path: buffers reused
// across calls must not leak one call's values into the next.
TEST_P(StagedZoo, InferenceOnPlannedPathEqualsEager) {
  const std::string name = GetParam();
  manual_seed(8);
  const nn::ModelSpec& spec = nn::find_model(name);
  nn::ModulePtr m = nn::make_model(name, spec.defaults);
  m->eval();
  NoGradGuard no_grad;
  auto f = function([&](const Ts& a) { return Ts{(*m)(a[0])}; }, FunctionOptions{name});
  f({model_input(spec)});
  for (int k = 0; k < 2; ++k) {
    const Tensor x = spec.image_model ? randn(model_input(spec).shape()) : model_input(spec);
    const Tensor staged = f({x})[0];
    EXPECT_TRUE(allclose(staged, (*m)(x), 1e-5, 1e-7)) << name << " call " << k;
  }
  Executor probe(f.last_graph());
  probe.run({model_input(spec)});
  EXPECT_EQ(probe.planned_calls(), 1) << name;
  if (f.last_graph()->nodes().size() > 2) {  // softmax's values are all outputs or views
    EXPECT_GT(probe.planned_bytes(), 0) << name;
  }
}

#ifdef TERN_STAGED_ZOO_SLOW
// The rest of the zoo (ctest label slow): deeper CIFAR ResNets and the
// ImageNet-sized models.
INSTANTIATE_TEST_SUITE_P(Slow, StagedZoo, testing::Values("resnet56", "resnet110", "resnet18", "resnet50", "vgg19"));
#else
INSTANTIATE_TEST_SUITE_P(Zoo, StagedZoo,
                         testing::Values("softmax", "mlp", "lenet300", "lenet5", "resnet20", "resnet32", "densenet", "mobilenetv2",
                                         "lstm-lm"));
#endif

}  // namespace
}  // namespace tern::graph
