#include "tern/distributed/ps/attack.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tern/base/error.h"

namespace tern::distributed::ps {
namespace {

TEST(Attack, FormulasOfEachAttack) {
  const std::vector<float> honest = {1.0f, -2.0f, 0.5f};
  const std::vector<float> mean = {1.0f, 2.0f, 0.0f}, sq = {2.0f, 4.0f, 1.0f};  // var = 1, 0, 1
  auto forged = [&](const std::string& name, Args a = Args("attack argument ")) {
    std::vector<float> g = honest;
    Attack(name, a, 11, 2).forge(g, mean, sq, 7);
    return g;
  };
  for (float v : forged("nan")) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(forged("signflip"), (std::vector<float>{-1.0f, 2.0f, -0.5f}));
  EXPECT_EQ(forged("scale"), (std::vector<float>{100.0f, -200.0f, 50.0f}));
  const double z = alie_z_max(11, 2);
  const auto alie = forged("alie");
  EXPECT_NEAR(alie[0], 1.0 - z, 1e-6);
  EXPECT_NEAR(alie[1], 2.0, 1e-6);
  EXPECT_NEAR(alie[2], -z, 1e-6);
  EXPECT_EQ(forged("ipm"), (std::vector<float>{-0.1f, -0.2f, -0.0f}));
  EXPECT_EQ(forged("labelflip"), honest);
  const auto r1 = forged("random"), r2 = forged("random");
  EXPECT_EQ(r1, r2);  // seeded
  EXPECT_NE(r1, honest);
}

TEST(Attack, AlieZMatchesBaruchEtAl) {
  // n = 50, m = 12 (their setting): s = 26 - 12 = 14, z = Phi^-1(36/50) ~ 0.583.
  EXPECT_NEAR(alie_z_max(50, 12), 0.5828, 1e-3);
  // n = 11, f = 2: s = 4, z = Phi^-1(7/11) ~ 0.349.
  EXPECT_NEAR(alie_z_max(11, 2), 0.3488, 1e-3);
}

TEST(Attack, BadNamesAndArguments) {
  EXPECT_THROW(Attack("bogus", Args(), 5, 1), ValueError);
  Args a("attack argument ");
  a.set("sigma", "2");
  EXPECT_THROW(Attack("nan", a, 5, 1), ValueError);
  EXPECT_NO_THROW(Attack("random", a, 5, 1));
}

}  // namespace
}  // namespace tern::distributed::ps
