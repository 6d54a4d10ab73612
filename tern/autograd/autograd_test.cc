#include <gtest/gtest.h>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace tern {

TEST(Autograd, ChainRuleAndBroadcastReduction) {
  Tensor w = Tensor::from_vector<double>({1, 2, 3}, {3}).set_requires_grad();
  Tensor x = Tensor::from_vector<double>({1, 1, 1, 2, 2, 2}, {2, 3});
  Tensor y = sum(square(mul(x, w)));  // d/dw = sum_i 2 x_i^2 w
  autograd::backward(y);
  EXPECT_EQ(w.grad().to_vector<double>(), (std::vector<double>{10, 20, 30}));
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCalls) {
  Tensor a = Tensor::from_vector<float>({2}, {1}).set_requires_grad();
  autograd::backward(mul_scalar(a, 3));
  autograd::backward(mul_scalar(a, 3));
  EXPECT_EQ(a.grad().item(), 6);
  a.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(Autograd, SharedGradientIsNotAliasedBetweenLeaves) {
  Tensor a = ones({2}).set_requires_grad(), b = ones({2}).set_requires_grad();
  autograd::backward(sum(add(a, b)));
  autograd::backward(sum(mul_scalar(a, 5)));  // must not leak into b's gradient
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{6, 6}));
  EXPECT_EQ(b.grad().to_vector<float>(), (std::vector<float>{1, 1}));
}

TEST(Autograd, HooksFireOnceInReverseOrderOfUse) {
  Tensor w1 = ones({4, 4}).set_requires_grad(), w2 = ones({4, 4}).set_requires_grad();
  std::vector<int> order;
  w1.register_grad_hook([&](const Tensor& g) { order.push_back(1); EXPECT_EQ(g.shape(), (Shape{4, 4})); });
  w2.register_grad_hook([&](const Tensor&) { order.push_back(2); });
  Tensor x = ones({2, 4});
  autograd::backward(sum(linear(relu(linear(x, w1)), w2)));
  EXPECT_EQ(order, (std::vector<int>{2, 1}));  // the last layer's gradient is ready first
}

TEST(Autograd, RemovedHooksNoLongerFire) {
  Tensor w = ones({3}).set_requires_grad();
  std::vector<int> fired;
  const uint64_t first = w.register_grad_hook([&](const Tensor&) { fired.push_back(1); });
  w.register_grad_hook([&](const Tensor&) { fired.push_back(2); });
  autograd::backward(sum(w));
  w.remove_grad_hook(first);
  w.remove_grad_hook(first);   // twice: ignored
  w.remove_grad_hook(999999);  // never registered: ignored
  autograd::backward(sum(w));
  EXPECT_EQ(fired, (std::vector<int>{1, 2, 2}));
}

TEST(Autograd, SecondBackwardThroughFreedGraphIsAClearError) {
  Tensor a = ones({3}).set_requires_grad();
  Tensor y = sum(exp(a));
  autograd::backward(y);
  EXPECT_THROW(autograd::backward(y), ValueError);
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor a = ones({3}).set_requires_grad();
  Tensor y;
  {
    NoGradGuard g;
    y = mul_scalar(a, 2);
  }
  EXPECT_FALSE(y.grad_fn());
  EXPECT_THROW(autograd::backward(sum(y)), ValueError);
}

TEST(Autograd, NonScalarRootNeedsAGradient) {
  Tensor a = ones({3}).set_requires_grad();
  EXPECT_THROW(autograd::backward(mul_scalar(a, 2)), ValueError);
  autograd::backward(mul_scalar(a, 2), ones({3}));
  EXPECT_EQ(a.grad().to_vector<float>(), (std::vector<float>{2, 2, 2}));
}

TEST(Autograd, GradReturnsWithoutTouchingLeaves) {
  Tensor a = Tensor::from_vector<double>({3}, {1}).set_requires_grad();
  const auto g = autograd::grad(square(a), {a});
  EXPECT_EQ(g[0].item(), 6);
  EXPECT_FALSE(a.grad().defined());
}

}  // namespace tern
