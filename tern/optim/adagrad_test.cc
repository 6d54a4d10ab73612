#include "tern/optim/adagrad.h"

#include <cmath>

#include "tern/base/parallel.h"
#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

using testing::make_param;
using testing::set_grad;
using testing::values;

TEST(Adagrad, FirstStepsMatchPyTorch) {
  // lr 0.1, lr_decay 0.5, eps 1e-10, p = [1, 2]; gradients [3, -4] then [4, 3].
  // Step 1: clr = 0.1, s = [9, 16]: p = [1 - 0.1 * 3 / 3, 2 + 0.1 * 4 / 4] = [0.9, 2.1] (up to eps).
  // Step 2: clr = 0.1 / 1.5, s = [25, 25]: p -= clr * [4, 3] / 5.
  Tensor p = make_param({1, 2});
  Adagrad opt({{"w", p}}, {.lr = 0.1, .lr_decay = 0.5});
  set_grad(p, {3, -4});
  opt.step();
  const double a1 = 1 - 0.1 * 3 / (3 + 1e-10), b1 = 2 + 0.1 * 4 / (4 + 1e-10);
  EXPECT_NEAR(values(p)[0], a1, 1e-14);
  EXPECT_NEAR(values(p)[1], b1, 1e-14);
  set_grad(p, {4, 3});
  opt.step();
  const double clr = 0.1 / 1.5;
  EXPECT_NEAR(values(p)[0], a1 - clr * 4 / (5 + 1e-10), 1e-14);
  EXPECT_NEAR(values(p)[1], b1 - clr * 3 / (5 + 1e-10), 1e-14);
}

TEST(Adagrad, InitialAccumulatorAndWeightDecay) {
  // initial 1, weight decay 1, p = 1, grad 0: g = 1, s = 2, p = 1 - 0.5 / sqrt(2).
  Tensor p = make_param({1}, DType::f32);
  Adagrad opt({{"w", p}}, {.lr = 0.5, .weight_decay = 1, .initial_accumulator_value = 1});
  set_grad(p, {0});
  opt.step();
  EXPECT_NEAR(values(p)[0], 1 - 0.5 / std::sqrt(2.0), 1e-6);
}

TEST(Adagrad, RowWiseKeepsOneAccumulatorPerRow) {
  // A [2, 2] table; gradient rows [3, 4] and [0, 2]. Row means of g^2 are
  // 12.5 and 2, so with lr 1: row 0 moves by g / (sqrt(12.5) + eps),
  // row 1 by g / (sqrt(2) + eps), eps = 1e-10.
  Tensor p = make_param({0, 0, 0, 0}, DType::f64, Shape{2, 2});
  Adagrad opt({{"emb", p}}, {.lr = 1, .row_wise = true});
  EXPECT_EQ(opt.kind(), "rowadagrad");
  set_grad(p, {3, 4, 0, 2});
  opt.step();
  const std::vector<double> got = values(p);
  EXPECT_NEAR(got[0], -3 / (std::sqrt(12.5) + 1e-10), 1e-12);
  EXPECT_NEAR(got[1], -4 / (std::sqrt(12.5) + 1e-10), 1e-12);
  EXPECT_NEAR(got[2], 0, 1e-12);
  EXPECT_NEAR(got[3], -2 / (std::sqrt(2.0) + 1e-10), 1e-12);
  // The state is one number per row.
  for (const auto& [name, t] : opt.state_dict())
    if (name == "emb.sum") {
      EXPECT_EQ(t.shape(), (Shape{2}));
      EXPECT_EQ(values(t), (std::vector<double>{12.5, 2}));
    }
}

TEST(Adagrad, RowWiseOnAVectorIsElementWise) {
  Tensor a = make_param({1, 2, 3}), b = make_param({1, 2, 3});
  Adagrad row({{"a", a}}, {.lr = 0.3, .row_wise = true}), elem({{"b", b}}, {.lr = 0.3});
  for (int s = 0; s < 4; ++s) {
    std::vector<double> g = {testing::grad_value(s, 0), testing::grad_value(s, 1), testing::grad_value(s, 2)};
    set_grad(a, g);
    set_grad(b, g);
    row.step();
    elem.step();
  }
  EXPECT_TRUE(testing::bit_equal(a, b));
}

TEST(Adagrad, RowWiseLargeTableIsThreadIndependent) {
  const int64_t rows = 3000, cols = 40;
  std::vector<double> init(rows * cols), grad(rows * cols);
  for (int64_t i = 0; i < rows * cols; ++i) {
    init[i] = std::cos(0.01 * i);
    grad[i] = std::sin(0.007 * i);
  }
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor p = make_param(init, DType::f32, Shape{rows, cols});
    Adagrad opt({{"emb", p}}, {.lr = 0.1, .row_wise = true});
    for (int s = 0; s < 2; ++s) {
      set_grad(p, grad);
      opt.step();
    }
    return p;
  };
  const int before = num_threads();
  Tensor one = run(1), four = run(4);
  set_num_threads(before);
  EXPECT_TRUE(testing::bit_equal(one, four));
}

TEST(Adagrad, MinimisesAQuadratic) {
  for (bool rows : {false, true}) {
    Tensor p = make_param(std::vector<double>(12, 3.0), DType::f32, Shape{4, 3});
    Adagrad opt({{"w", p}}, {.lr = 1.0, .row_wise = rows});
    EXPECT_LT(testing::quadratic_ratio(opt, p, 300), 1e-4) << rows;
  }
}

}  // namespace
}  // namespace tern::optim
