#include <gtest/gtest.h>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/nn/describe.h"
#include "tern/nn/layers.h"
#include "tern/nn/models.h"

namespace tern::nn {

// Parameter counts published for the reference architectures (torchvision
// for the ImageNet models; arithmetic for the small ones).
TEST(Models, ParameterCountsMatchReferenceArchitectures) {
  EXPECT_EQ(make_model("mlp", find_model("mlp").defaults)->num_parameters(), 269322);
  EXPECT_EQ(make_model("lenet5", find_model("lenet5").defaults)->num_parameters(), 61706);
  EXPECT_EQ(make_model("resnet18", find_model("resnet18").defaults)->num_parameters(), 11689512);
  EXPECT_EQ(make_model("resnet50", find_model("resnet50").defaults)->num_parameters(), 25557032);
}

TEST(Models, UnknownNameListsTheZoo) {
  try {
    make_model("resnet7", {});
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("lenet5"), std::string::npos);
  }
}

TEST(Models, EverySmallModelRunsForwardAndBackward) {
  for (const ModelSpec& spec : model_zoo()) {
    if (spec.defaults.image_size > 64) continue;  // ImageNet-shaped models: covered by describe below
    ModelOptions o = spec.defaults;
    if (!spec.image_model) o.vocab = 50, o.image_size = 5;
    ModulePtr m = spec.make(o);
    Tensor x = spec.image_model ? randn({2, o.in_channels, o.image_size, o.image_size})
                                : Tensor::from_vector<int64_t>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {2, 5});
    Tensor y = (*m)(x);
    Tensor loss = mean(square(y));
    autograd::backward(loss);
    for (auto& [name, p] : m->named_parameters())
      ASSERT_TRUE(p.grad().defined()) << spec.name << ": no gradient for " << name;
  }
}

TEST(Describe, LeNetLayersFlopsAndShapes) {
  ModulePtr m = make_model("lenet5", find_model("lenet5").defaults);
  const ModelDescription d = describe(*m, {4, 1, 28, 28});
  EXPECT_EQ(d.parameters, 61706);
  ASSERT_FALSE(d.layers.empty());
  EXPECT_EQ(d.layers[0].name, "conv1");
  EXPECT_EQ(d.layers[0].output_shape, (Shape{4, 6, 28, 28}));
  EXPECT_EQ(d.layers[0].flops, 2 * 4 * 6 * 28 * 28 * 25);
  EXPECT_EQ(d.layers[0].parameters, 156);
  EXPECT_EQ(d.layers.back().output_shape, (Shape{4, 10}));
  EXPECT_TRUE(m->is_training());  // describe restores the mode
}

TEST(Layers, BatchNormTracksRunningStatsAndEvalUsesThem) {
  BatchNorm2d bn(3);
  Tensor x = add_scalar(mul_scalar(randn({8, 3, 4, 4}), 2.0), 5.0);
  {
    NoGradGuard g;
    for (int i = 0; i < 50; ++i) bn(x);
  }
  EXPECT_NEAR(bn.running_mean.item_at(0), mean(slice(x, 1, 0, 1)).item(), 0.05);
  bn.eval();
  Tensor y = bn(x);
  EXPECT_NEAR(mean(y).item(), 0.0, 0.1);
}

TEST(Layers, LstmShapesAndStateNames) {
  LSTM lstm(3, 5, 2);
  Tensor y = lstm(randn({2, 4, 3}));
  EXPECT_EQ(y.shape(), (Shape{2, 4, 5}));
  EXPECT_EQ(lstm.named_parameters().size(), 8u);
  EXPECT_EQ(lstm.named_parameters()[0].first, "weight_ih_l0");
  EXPECT_THROW(lstm(randn({2, 4, 2})), ValueError);
}

TEST(Layers, CausalAttentionIgnoresTheFuture) {
  MultiheadAttention attn(8, 2, /*causal=*/true);
  NoGradGuard g;
  Tensor x = randn({1, 5, 8});
  Tensor y1 = attn(x);
  Tensor x2 = cat({slice(x, 1, 0, 3), randn({1, 2, 8})}, 1);  // change only the last two steps
  Tensor y2 = attn(x2);
  EXPECT_TRUE(allclose(slice(y1, 1, 0, 3), slice(y2, 1, 0, 3), 1e-5, 1e-6));
  EXPECT_FALSE(allclose(slice(y1, 1, 3, 5), slice(y2, 1, 3, 5), 1e-5, 1e-6));
}

// P3's per-layer readiness hangs on this: every module that owns
// parameters passes the gate before its forward runs, attention's
// projections included, and the gate is gone with its guard.
TEST(Module, ForwardGateSeesEveryModuleBeforeItRuns) {
  struct Recorder final : ForwardGate {
    std::vector<std::string> seen;
    void before_forward(const Module& m) override {
      if (!m.own_parameters().empty()) seen.push_back(m.type());
    }
  } recorder;
  Sequential net;
  net.add(std::make_shared<Linear>(8, 8)).add(std::make_shared<MultiheadAttention>(8, 2)).add(std::make_shared<Linear>(8, 4));
  NoGradGuard g;
  {
    ScopedForwardGate guard(&recorder);
    (void)net(randn({1, 3, 8}));
  }
  EXPECT_EQ(recorder.seen, (std::vector<std::string>{"Linear", "Linear", "Linear", "Linear"}));
  (void)net(randn({1, 3, 8}));
  EXPECT_EQ(recorder.seen.size(), 4u);
}

}  // namespace tern::nn
