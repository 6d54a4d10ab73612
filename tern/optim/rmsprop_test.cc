#include "tern/optim/rmsprop.h"

#include <cmath>

#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

using testing::make_param;
using testing::set_grad;
using testing::values;

TEST(RMSProp, FirstStepsMatchPyTorch) {
  // lr 0.01, alpha 0.9, eps 1e-8, p = 1; gradient 2 then 1.
  // Step 1: v = 0.1 * 4 = 0.4; p = 1 - 0.01 * 2 / (sqrt(0.4) + 1e-8).
  // Step 2: v = 0.36 + 0.1 = 0.46; p -= 0.01 * 1 / (sqrt(0.46) + 1e-8).
  Tensor p = make_param({1});
  RMSProp opt({{"w", p}}, {.lr = 0.01, .alpha = 0.9});
  set_grad(p, {2});
  opt.step();
  const double p1 = 1 - 0.02 / (std::sqrt(0.4) + 1e-8);
  EXPECT_NEAR(values(p)[0], p1, 1e-14);
  set_grad(p, {1});
  opt.step();
  EXPECT_NEAR(values(p)[0], p1 - 0.01 / (std::sqrt(0.46) + 1e-8), 1e-14);
}

TEST(RMSProp, CenteredWithMomentumMatchesPyTorch) {
  // lr 0.1, alpha 0.5, eps 0, momentum 0.5, centered, p = 0; gradient 2 then -2.
  // Step 1: v = 2, a = 1, d = sqrt(2 - 1) = 1, b = 2, p = -0.2.
  // Step 2: v = 1 + 2 = 3, a = 0.5 - 1 = -0.5, d = sqrt(3 - 0.25) = sqrt(2.75),
  //   b = 1 - 2 / sqrt(2.75), p = -0.2 - 0.1 * b.
  Tensor p = make_param({0});
  RMSProp opt({{"w", p}}, {.lr = 0.1, .alpha = 0.5, .eps = 0, .momentum = 0.5, .centered = true});
  set_grad(p, {2});
  opt.step();
  EXPECT_NEAR(values(p)[0], -0.2, 1e-14);
  set_grad(p, {-2});
  opt.step();
  EXPECT_NEAR(values(p)[0], -0.2 - 0.1 * (1 - 2 / std::sqrt(2.75)), 1e-14);
}

TEST(RMSProp, F32MatchesF64) {
  // The same run in both dtypes agrees to float precision.
  Tensor p32 = make_param({0.5, -0.25, 1.5}, DType::f32), p64 = make_param({0.5, -0.25, 1.5});
  RMSPropOptions o{.lr = 0.01, .weight_decay = 0.01, .momentum = 0.9, .centered = true};
  RMSProp a({{"w", p32}}, o), b({{"w", p64}}, o);
  for (int s = 0; s < 6; ++s) {
    std::vector<double> g = {testing::grad_value(s, 0), testing::grad_value(s, 1), testing::grad_value(s, 2)};
    set_grad(p32, g);
    set_grad(p64, g);
    a.step();
    b.step();
  }
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(values(p32)[i], values(p64)[i], 1e-5);
  EXPECT_NE(values(p64)[0], 0.5);
}

TEST(RMSProp, MinimisesAQuadratic) {
  for (bool centered : {false, true}) {
    Tensor p = make_param(std::vector<double>(10, 3.0), DType::f32);
    RMSProp opt({{"w", p}}, {.lr = 0.01, .momentum = 0.5, .centered = centered});
    EXPECT_LT(testing::quadratic_ratio(opt, p, 600), 1e-4) << centered;
  }
}

}  // namespace
}  // namespace tern::optim
