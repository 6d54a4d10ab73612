// Staged == eager on the model zoo (the models small enough for a unit
// test, at batch 2): logits, parameter gradients through the staged call,
// and batch-norm running statistics updated through captured buffers.
#include <gtest/gtest.h>

#include <cstring>

#include "tern/autograd/grad_mode.h"
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

TEST_P(StagedZoo, OutputsGradientsAndBuffersEqualEager) {
  const std::string name = GetParam();
  manual_seed(7);
  const nn::ModelSpec& spec = nn::find_model(name);
  nn::ModulePtr m = nn::make_model(name, spec.defaults);
  m->train();
  const Tensor x = randn({2, spec.defaults.in_channels, spec.defaults.image_size, spec.defaults.image_size});
  const Tensor y = Tensor::from_vector<int64_t>({3, 8}, {2});
  auto f = function([&](const Ts& a) { return Ts{(*m)(a[0])}; }, FunctionOptions{name});
  f({x});  // traced (an eager run)
  const auto params = m->named_parameters();
  const auto buffers = m->named_buffers();
  for (const auto& [n, p] : params) Tensor(p).zero_grad();
  const std::vector<Tensor> buffers0 = clones(buffers);

  const Tensor eager = (*m)(x);
  cross_entropy(eager, y).backward();
  const std::vector<Tensor> eager_buffers = clones(buffers);
  std::vector<Tensor> eager_grads;
  for (const auto& [n, p] : params) {
    eager_grads.push_back(p.grad());
    Tensor(p).zero_grad();
  }

  restore(buffers, buffers0);
  const Tensor staged = f({x})[0];
  cross_entropy(staged, y).backward();
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
  const Shape shape{2, spec.defaults.in_channels, spec.defaults.image_size, spec.defaults.image_size};
  f({randn(shape)});
  for (int k = 0; k < 2; ++k) {
    const Tensor x = randn(shape);
    const Tensor staged = f({x})[0];
    EXPECT_TRUE(allclose(staged, (*m)(x), 1e-5, 1e-7)) << name << " call " << k;
  }
  Executor probe(f.last_graph());
  probe.run({randn(shape)});
  EXPECT_EQ(probe.planned_calls(), 1) << name;
  if (f.last_graph()->nodes().size() > 2) {  // softmax's values are all outputs or views
    EXPECT_GT(probe.planned_bytes(), 0) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, StagedZoo,
                         testing::Values("softmax", "mlp", "lenet5", "resnet20", "densenet", "mobilenetv2"));

}  // namespace
}  // namespace tern::graph
