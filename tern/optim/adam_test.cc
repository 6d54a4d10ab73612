#include "tern/optim/adam.h"

#include <cmath>

#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

using testing::make_param;
using testing::set_grad;
using testing::values;

TEST(Adam, FirstTwoStepsMatchPyTorch) {
  // lr 0.1, betas (0.9, 0.999), eps 1e-8, p = 1; gradient 0.5 then -1.
  // Step 1: m = 0.05, v = 0.00025, bias corrections 0.1 and 0.001, so
  //   m / 0.1 = 0.5 and sqrt(v) / sqrt(0.001) = 0.5: p = 1 - 0.1 * 0.5 / (0.5 + 1e-8).
  // Step 2: m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975,
  //   corrections 1 - 0.81 = 0.19 and 1 - 0.998001 = 0.001999.
  for (DType dt : {DType::f64, DType::f32}) {
    const double tol = dt == DType::f64 ? 1e-12 : 1e-6;
    Tensor p = make_param({1}, dt);
    Adam opt({{"w", p}}, {.lr = 0.1});
    set_grad(p, {0.5});
    opt.step();
    const double p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8);
    EXPECT_NEAR(values(p)[0], p1, tol);
    set_grad(p, {-1});
    opt.step();
    const double p2 = p1 - (0.1 / 0.19) * -0.055 / (std::sqrt(0.00124975) / std::sqrt(0.001999) + 1e-8);
    EXPECT_NEAR(values(p)[0], p2, tol);
  }
}

TEST(Adam, CoupledWeightDecayEntersTheGradient) {
  // weight decay 0.5, p = 2, grad 0: g = 1, so step 1 is p - lr * 1 / (1 + eps).
  Tensor p = make_param({2});
  Adam opt({{"w", p}}, {.lr = 0.01, .weight_decay = 0.5});
  set_grad(p, {0});
  opt.step();
  EXPECT_NEAR(values(p)[0], 2 - 0.01 / (1 + 1e-8), 1e-12);
}

TEST(AdamW, DecoupledWeightDecayScalesTheParameter) {
  // AdamW: p = 2 * (1 - 0.01 * 0.5) = 1.99, then the Adam step with g = 0:
  // m = v = 0, so the step is 0 / (0 + eps) = 0.
  Tensor p = make_param({2});
  AdamW opt({{"w", p}}, {.lr = 0.01, .weight_decay = 0.5});
  set_grad(p, {0});
  opt.step();
  EXPECT_NEAR(values(p)[0], 1.99, 1e-12);
  EXPECT_EQ(opt.kind(), "adamw");
  EXPECT_EQ(AdamW::defaults().weight_decay, 1e-2);
}

TEST(Adam, AmsgradKeepsTheLargestSecondMoment) {
  // Gradient 1 then 0. Step 2 without AMSGrad: v = 0.999 * 0.001 = 0.000999;
  // with it, vmax stays 0.001. m = 0.09 in both; corrections 0.19, 0.001999.
  auto second = [](bool ams) {
    Tensor p = make_param({0});
    Adam opt({{"w", p}}, {.lr = 0.1, .amsgrad = ams});
    set_grad(p, {1});
    opt.step();
    const double p1 = values(p)[0];
    set_grad(p, {0});
    opt.step();
    return std::pair{p1, values(p)[0]};
  };
  const auto [p1, plain] = second(false);
  const auto [q1, ams] = second(true);
  EXPECT_NEAR(p1, -0.1 / (1 + 1e-8), 1e-12);
  EXPECT_EQ(p1, q1);
  const double step_size = 0.1 / 0.19;
  EXPECT_NEAR(plain, p1 - step_size * 0.09 / (std::sqrt(0.000999 / 0.001999) + 1e-8), 1e-12);
  EXPECT_NEAR(ams, p1 - step_size * 0.09 / (std::sqrt(0.001 / 0.001999) + 1e-8), 1e-12);
}

// The update written out plainly, one element at a time, in double.
struct AdamReference {
  AdamOptions o;
  bool decoupled;
  std::vector<double> m, v, vmax;
  int t = 0;
  void step(std::vector<double>& p, const std::vector<double>& grad) {
    if (m.empty()) m = v = vmax = std::vector<double>(p.size(), 0);
    ++t;
    for (size_t i = 0; i < p.size(); ++i) {
      double g = grad[i];
      if (decoupled) p[i] *= 1 - o.lr * o.weight_decay;
      else g += o.weight_decay * p[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      vmax[i] = std::max(vmax[i], v[i]);
      const double vv = o.amsgrad ? vmax[i] : v[i];
      const double mhat = m[i] / (1 - std::pow(o.beta1, t));
      const double vhat = vv / (1 - std::pow(o.beta2, t));
      p[i] -= o.lr * mhat / (std::sqrt(vhat) + o.eps);
    }
  }
};

TEST(Adam, FollowsTheTextbookFormulaOverManySteps) {
  // The textbook form divides by sqrt(vhat) + eps where PyTorch divides by
  // sqrt(v) / sqrt(bc2) + eps: the same number up to rounding.
  for (bool decoupled : {false, true})
    for (bool ams : {false, true}) {
      AdamOptions o{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.1, .amsgrad = ams};
      std::vector<double> ref = {0.5, -1, 2, 0.1, -0.3};
      Tensor p = make_param(ref);
      std::unique_ptr<Adam> opt = decoupled ? std::make_unique<AdamW>(std::vector<ParamRef>{{"w", p}}, o)
                                            : std::make_unique<Adam>(std::vector<ParamRef>{{"w", p}}, o);
      AdamReference r{o, decoupled, {}, {}, {}};
      for (int s = 0; s < 8; ++s) {
        std::vector<double> g(ref.size());
        for (size_t i = 0; i < g.size(); ++i) g[i] = testing::grad_value(s, static_cast<int>(i));
        set_grad(p, g);
        opt->step();
        r.step(ref, g);
      }
      for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(values(p)[i], ref[i], 1e-12) << decoupled << ams << i;
    }
}

TEST(Adam, MinimisesAQuadratic) {
  for (bool ams : {false, true}) {
    Tensor p = make_param(std::vector<double>(16, 3.0), DType::f32);
    Adam opt({{"w", p}}, {.lr = 0.05, .amsgrad = ams});
    EXPECT_LT(testing::quadratic_ratio(opt, p, 400), 1e-4);
  }
}

TEST(Adam, RejectsBadHyperParameters) {
  Tensor p = make_param({1});
  EXPECT_THROW(Adam({{"w", p}}, {.beta1 = 1.0}), ValueError);
  EXPECT_THROW(Adam({{"w", p}}, {.beta2 = -0.1}), ValueError);
  EXPECT_EQ(testing::error_of<ValueError>([&] { Adam({{"w", p}}, {.beta1 = 1.2}); }),
            "adam: beta1 must be in [0, 1), got 1.2");
}

}  // namespace
}  // namespace tern::optim
