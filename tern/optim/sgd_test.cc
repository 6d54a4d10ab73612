#include "tern/optim/sgd.h"

#include <cmath>

#include "tern/base/parallel.h"
#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

using testing::make_param;
using testing::set_grad;
using testing::values;

TEST(SGD, PlainStepIsLrTimesGradient) {
  Tensor p = make_param({1, -2});
  SGD opt({{"w", p}}, {.lr = 0.1});
  set_grad(p, {0.5, 1});
  opt.step();
  // 1 - 0.1 * 0.5, -2 - 0.1 * 1
  EXPECT_DOUBLE_EQ(values(p)[0], 0.95);
  EXPECT_DOUBLE_EQ(values(p)[1], -2.1);
  EXPECT_EQ(opt.steps(), 1);
}

TEST(SGD, MomentumWithDampeningMatchesPyTorch) {
  // lr 0.1, momentum 0.9, dampening 0.1, gradient 1 every step. PyTorch
  // starts the buffer at the first gradient without dampening:
  //   buf = 1,    p = 1 - 0.1           = 0.9
  //   buf = 0.9 * 1 + 0.9 * 1 = 1.8,    p = 0.9 - 0.18  = 0.72
  //   buf = 0.9 * 1.8 + 0.9 = 2.52,     p = 0.72 - 0.252 = 0.468
  for (DType dt : {DType::f64, DType::f32}) {
    Tensor p = make_param({1}, dt);
    SGD opt({{"w", p}}, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1});
    const double expected[] = {0.9, 0.72, 0.468};
    for (double e : expected) {
      set_grad(p, {1});
      opt.step();
      EXPECT_NEAR(values(p)[0], e, dt == DType::f64 ? 1e-12 : 1e-6);
    }
  }
}

TEST(SGD, NesterovWithWeightDecayMatchesPyTorch) {
  // lr 0.1, momentum 0.9, nesterov, weight decay 0.1, gradient 1, p = 1:
  //   d = 1 + 0.1 * 1 = 1.1, buf = 1.1, step = 1.1 + 0.9 * 1.1 = 2.09, p = 0.791
  //   d = 1 + 0.0791 = 1.0791, buf = 0.99 + 1.0791 = 2.0691,
  //   step = 1.0791 + 1.86219 = 2.94129, p = 0.791 - 0.294129 = 0.496871
  Tensor p = make_param({1});
  SGD opt({{"w", p}}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true});
  set_grad(p, {1});
  opt.step();
  EXPECT_NEAR(values(p)[0], 0.791, 1e-12);
  set_grad(p, {1});
  opt.step();
  EXPECT_NEAR(values(p)[0], 0.496871, 1e-12);
}

TEST(SGD, SkipsParametersWithoutGradient) {
  Tensor a = make_param({1, 2}), b = make_param({3});
  SGD opt({{"a", a}, {"b", b}}, {.lr = 1, .momentum = 0.5});
  set_grad(a, {1, 1});
  opt.step();
  EXPECT_EQ(values(a), (std::vector<double>{0, 1}));
  EXPECT_EQ(values(b), (std::vector<double>{3}));
  for (const auto& [name, t] : opt.state_dict()) EXPECT_NE(name.rfind("b.", 0), 0u) << name;
}

TEST(SGD, ZeroGradDropsGradients) {
  Tensor p = make_param({1});
  SGD opt({{"w", p}});
  set_grad(p, {1});
  opt.zero_grad();
  EXPECT_FALSE(p.grad().defined());
}

TEST(SGD, NonContiguousGradientIsRead) {
  // The gradient is the transpose view of a [3, 2] tensor.
  Tensor p = make_param({0, 0, 0, 0, 0, 0}, DType::f64, Shape{2, 3});
  Tensor g = transpose(Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {3, 2}), 0, 1);
  ASSERT_FALSE(g.is_contiguous());
  p.set_grad(g);
  SGD opt({{"w", p}}, {.lr = 1});
  opt.step();
  EXPECT_EQ(values(p), (std::vector<double>{-1, -3, -5, -2, -4, -6}));
}

TEST(SGD, ParallelUpdateEqualsSerial) {
  // Large enough to be split over threads; each element is independent, so
  // results must be bit-identical whatever the thread count.
  const int64_t n = 200000;
  std::vector<double> init(n), grad(n);
  for (int64_t i = 0; i < n; ++i) {
    init[i] = std::cos(0.001 * i);
    grad[i] = std::sin(0.003 * i);
  }
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor p = make_param(init, DType::f32);
    SGD opt({{"w", p}}, {.lr = 0.05, .momentum = 0.9, .weight_decay = 1e-4});
    for (int s = 0; s < 3; ++s) {
      set_grad(p, grad);
      opt.step();
    }
    return p;
  };
  const int before = num_threads();
  Tensor serial = run(1), parallel = run(4);
  set_num_threads(before);
  EXPECT_TRUE(testing::bit_equal(serial, parallel));
}

TEST(SGD, RejectsBadArguments) {
  Tensor p = make_param({1});
  EXPECT_THROW(SGD({{"w", p}}, {.lr = -1}), ValueError);
  EXPECT_THROW(SGD({{"w", p}}, {.nesterov = true}), ValueError);
  EXPECT_THROW(SGD({{"w", p}, {"w", p}}), ValueError);
  EXPECT_THROW(SGD({{"", p}}), ValueError);
  EXPECT_EQ(testing::error_of<ValueError>([&] { SGD({{"a", p}, {"b", p}}); }),
            "optimizer: parameters 'a' and 'b' are the same tensor");
  Tensor ints = Tensor::from_vector<int64_t>({1}, {1});
  EXPECT_THROW(SGD({{"i", ints}}), TypeError);
  Tensor view = transpose(make_param({1, 2, 3, 4}, DType::f64, Shape{2, 2}).detach(), 0, 1);
  EXPECT_THROW(SGD({{"v", view}}), ValueError);
  // A gradient of the wrong shape is reported before anything changes.
  SGD opt({{"w", p}});
  p.set_grad(Tensor::from_vector<double>({1, 2}, {2}));
  EXPECT_NE(testing::error_of<ValueError>([&] { opt.step(); }).find("gradient of 'w' has shape [2]"),
            std::string::npos);
  EXPECT_EQ(values(p), (std::vector<double>{1}));
}

}  // namespace
}  // namespace tern::optim
