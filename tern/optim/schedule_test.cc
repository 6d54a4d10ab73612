#include "tern/optim/schedule.h"

#include <cmath>
#include <numbers>

#include "tern/optim/sgd.h"
#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

TEST(Schedule, StepDecay) {
  StepDecay s(0.1, 30, 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(29), 0.1);
  EXPECT_NEAR(s.lr_at(30), 0.01, 1e-15);
  EXPECT_NEAR(s.lr_at(65), 0.001, 1e-15);
}

TEST(Schedule, CosineAnnealing) {
  CosineAnnealing s(1.0, 100, 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 1.0);
  EXPECT_NEAR(s.lr_at(50), 0.55, 1e-12);  // halfway: eta_min + (1 - 0.1) / 2
  EXPECT_NEAR(s.lr_at(25), 0.1 + 0.9 * (1 + std::sqrt(0.5)) / 2, 1e-12);
  EXPECT_NEAR(s.lr_at(100), 0.1, 1e-12);
  EXPECT_NEAR(s.lr_at(1000), 0.1, 1e-12);  // stays at the floor
}

TEST(Schedule, WarmupThenCosine) {
  auto cosine = std::make_shared<CosineAnnealing>(0.4, 10);
  LinearWarmup s(cosine, 4, 0.25);
  // Factors 0.25, 0.4375, 0.625, 0.8125 of 0.4, then the cosine from its start.
  EXPECT_NEAR(s.lr_at(0), 0.1, 1e-15);
  EXPECT_NEAR(s.lr_at(1), 0.175, 1e-15);
  EXPECT_NEAR(s.lr_at(3), 0.325, 1e-15);
  EXPECT_NEAR(s.lr_at(4), 0.4, 1e-15);
  EXPECT_NEAR(s.lr_at(9), 0.2, 1e-15);  // cosine step 5 of 10
  EXPECT_NEAR(s.lr_at(14), 0, 1e-15);
}

TEST(Schedule, WarmupThenStepDecayAppliesToTheOptimizer) {
  Tensor p = testing::make_param({1});
  SGD opt({{"w", p}}, {.lr = 123});
  LinearWarmup s(std::make_shared<StepDecay>(1.0, 2, 0.5), 2, 0.5);
  const double expected[] = {0.5, 0.75, 1, 1, 0.5, 0.5, 0.25};
  for (int64_t step = 0; step < 7; ++step) {
    s.apply(opt, step);
    EXPECT_DOUBLE_EQ(opt.lr(), expected[step]) << step;
  }
  // Restoring is asking again for the same step.
  s.apply(opt, 1);
  EXPECT_DOUBLE_EQ(opt.lr(), 0.75);
}

TEST(Schedule, RejectsBadArguments) {
  EXPECT_THROW(StepDecay(0.1, 0), ValueError);
  EXPECT_THROW(CosineAnnealing(0.1, 10, 0.2), ValueError);
  EXPECT_THROW(LinearWarmup(nullptr, 3), ValueError);
  EXPECT_THROW(ConstantLr(0.1).lr_at(-1), ValueError);
}

TEST(Schedule, ByName) {
  EXPECT_DOUBLE_EQ(make_schedule("none", 0.1, 9)->lr_at(5), 0.1);
  EXPECT_DOUBLE_EQ(make_schedule("cosine", 0.1, 10)->lr_at(5), CosineAnnealing(0.1, 10).lr_at(5));
  const auto step = make_schedule("step", 1.0, 9);  // step_size 3, gamma 0.1
  EXPECT_DOUBLE_EQ(step->lr_at(2), 1.0);
  EXPECT_DOUBLE_EQ(step->lr_at(3), 0.1);
  Args a("schedule argument ");
  a.add("gamma=0.5");
  EXPECT_DOUBLE_EQ(make_schedule("step", 1.0, 9, a)->lr_at(3), 0.5);
  EXPECT_THROW(make_schedule("cosine", 1.0, 9, a), ValueError);  // cosine takes no gamma
  EXPECT_THROW(make_schedule("linear", 1.0, 9), ValueError);
}

}  // namespace
}  // namespace tern::optim
