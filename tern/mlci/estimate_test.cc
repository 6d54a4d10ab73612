#include "tern/base/error.h"
#include "tern/mlci/estimate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

namespace tern::mlci {
namespace {

Settings make(const std::string& cond, double rel, Adaptivity a, int64_t steps) {
  Settings s;
  s.condition = parse_condition(cond);
  s.reliability = rel;
  s.adaptivity = a;
  s.steps = steps;
  return s;
}

// A worked example of ease.ml/ci's reference code (easeml/ci), its figure.
TEST(MlciHoeffding, ReferenceWorkedExample) {
  EXPECT_EQ(hoeffding_examples(make("n - o > 0.1 +/- 0.1", 0.99, Adaptivity::kFull, 32)), 5496);
}

// Values printed by the reference formula (ease.ml/ci SampleCalculator,
// evaluated with Python floats) for n - o clauses; a spot check that the
// conventions (one-sided, max over variables, round(N + 0.5)) are the same.
TEST(MlciHoeffding, MatchesReferenceValues) {
  struct Row { double rel, eps; int64_t steps; int64_t none, full; };
  const Row rows[] = {{0.9, 0.01, 1, 59915, 73778},    {0.99, 0.05, 8, 5903, 8675},
                      {0.999, 0.01, 32, 221333, 595633}, {0.9999, 0.02, 32, 66847, 160421},
                      {0.9999, 0.1, 8, 2397, 3090},     {0.999, 0.1, 1, 1521, 1659}};
  for (const Row& r : rows) {
    const std::string cond = "n - o > 0.02 +/- " + std::to_string(r.eps);
    EXPECT_EQ(hoeffding_examples(make(cond, r.rel, Adaptivity::kNone, r.steps)), r.none) << r.rel << " " << r.eps;
    EXPECT_EQ(hoeffding_examples(make(cond, r.rel, Adaptivity::kFirstChange, r.steps)), r.none);
    EXPECT_EQ(hoeffding_examples(make(cond, r.rel, Adaptivity::kFull, r.steps)), r.full);
  }
}

// Integer-exact with the formula, recomputed here in long double, over a grid
// of reliability x eps x H x adaptivity x clause shapes.
TEST(MlciHoeffding, IntegerExactOverGrid) {
  int checked = 0;
  for (double rel : {0.9, 0.95, 0.99, 0.999, 0.9999, 0.99999})
    for (double eps : {0.005, 0.01, 0.02, 0.05, 0.1, 0.25})
      for (int64_t steps : {1, 2, 5, 10, 32, 64, 100})
        for (Adaptivity a : {Adaptivity::kNone, Adaptivity::kFirstChange, Adaptivity::kFull})
          for (const char* shape : {"n > 0.5", "n - o > 0.02", "d < 0.1 /\\ 2*n - 0.5*o + d > 0.1"}) {
            std::string cond = shape;
            // put the tolerance on every clause
            std::string with_eps;
            size_t start = 0;
            while (true) {
              const size_t amp = cond.find(" /\\ ", start);
              with_eps += cond.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
              with_eps += " +/- " + std::to_string(eps);
              if (amp == std::string::npos) break;
              with_eps += " /\\ ";
              start = amp + 4;
            }
            const Settings s = make(with_eps, rel, a, steps);
            long double worst = 0;
            const auto m = static_cast<long double>(s.condition.clauses.size());
            for (const Clause& c : s.condition.clauses) {
              const long double k = c.num_vars();
              const long double hist = a == Adaptivity::kFull ? std::pow(2.0L, steps) : steps;
              const long double log_inv = -std::log((1.0L - rel) / (k * m * hist));
              for (double coef : c.coef)
                if (coef != 0) worst = std::max(worst, coef * coef * k * k * log_inv / (2.0L * eps * eps));
            }
            const int64_t got = hoeffding_examples(s);
            // ceil, except where the formula lands within rounding noise of an integer
            const long double frac = worst - std::floor(worst);
            if (frac < 1e-9L || frac > 1 - 1e-9L) continue;
            EXPECT_EQ(got, static_cast<int64_t>(std::ceil(worst))) << with_eps << " rel=" << rel << " H=" << steps;
            ++checked;
          }
  std::printf("checked %d grid points\n", checked);
  EXPECT_GT(checked, 2000);
}

TEST(MlciHoeffding, GrowsWithStrictness) {
  const auto n = [](double rel, double eps, Adaptivity a, int64_t h) {
    return hoeffding_examples(make("n - o > 0 +/- " + std::to_string(eps), rel, a, h));
  };
  EXPECT_LT(n(0.99, 0.05, Adaptivity::kNone, 32), n(0.999, 0.05, Adaptivity::kNone, 32));
  EXPECT_LT(n(0.99, 0.05, Adaptivity::kNone, 32), n(0.99, 0.04, Adaptivity::kNone, 32));
  EXPECT_LT(n(0.99, 0.05, Adaptivity::kNone, 32), n(0.99, 0.05, Adaptivity::kFull, 32));
  EXPECT_LT(n(0.99, 0.05, Adaptivity::kFull, 8), n(0.99, 0.05, Adaptivity::kFull, 9));
}

TEST(MlciBennett, HMatchesDefinitionAndSeries) {
  for (double u : {1e-6, 1e-3, 0.1, 1.0, 5.0}) {
    const double direct = (1 + u) * std::log(1 + u) - u;
    EXPECT_NEAR(bennett_h(u), direct, 1e-12 + 1e-6 * direct) << u;
  }
  EXPECT_NEAR(bennett_h(1e-8), 5e-17, 1e-22);
}

// Paper, section 4: "When p = 0.1, 1 - delta = 0.9999, d < 0.1, we only need
// 29K samples for 32 non-adaptive steps and 67K samples for 32 fully-adaptive
// steps to reach an error tolerance of a single accuracy point."
TEST(MlciBennett, PaperWorkedExample) {
  const std::string cond = "d < 0.1 +/- 0.01 /\\ n - o > 0.02 +/- 0.01";
  const Plan none = plan_optimised(make(cond, 0.9999, Adaptivity::kNone, 32));
  const Plan full = plan_optimised(make(cond, 0.9999, Adaptivity::kFull, 32));
  ASSERT_EQ(none.lines.size(), 2u);
  EXPECT_EQ(none.lines[0].labels, 0);  // d needs no labels
  EXPECT_EQ(none.lines[1].bound, "bennett(p=0.1)");
  EXPECT_NEAR(static_cast<double>(none.lines[1].examples), 29000, 500);
  EXPECT_NEAR(static_cast<double>(full.lines[1].examples), 67000, 1000);
  // Hoeffding for the same clause is ~9x larger; active labelling labels p*N.
  const Plan base = plan_hoeffding(make(cond, 0.9999, Adaptivity::kNone, 32));
  EXPECT_GT(base.lines[1].examples, 8 * none.lines[1].examples);
  EXPECT_EQ(none.lines[1].labels, static_cast<int64_t>(std::ceil(0.1 * none.lines[1].examples)));
}

TEST(MlciBennett, ToleranceInvertsExamples) {
  for (double p : {0.02, 0.1, 0.5})
    for (double eps : {0.005, 0.01, 0.05}) {
      const double log_inv = 12.0;
      const int64_t n = bennett_examples(p, eps, log_inv);
      EXPECT_LE(bennett_tolerance(n, p, log_inv), eps * (1 + 1e-9));
      EXPECT_GT(bennett_tolerance(n - 1 > 0 ? n - 1 : 1, p, log_inv), eps * (1 - 1e-6));
    }
}

TEST(MlciOptimised, HierarchicalDTestTakesDeltaShareAndSavesLabels) {
  const Settings s = make("n - o > 0.02 +/- 0.01", 0.999, Adaptivity::kNone, 32);
  const Plan without = plan_optimised(s);
  EXPECT_EQ(without.lines[0].bound, "hoeffding");
  EXPECT_EQ(without.labels, hoeffding_examples(s));
  const Plan with = plan_optimised(s, {0.12});
  ASSERT_EQ(with.lines.size(), 2u);
  EXPECT_EQ(with.lines[0].clause, "d (hierarchical)");
  EXPECT_EQ(with.lines[1].bound, "bennett(p=0.12)");
  EXPECT_GE(hoeffding_examples(s), 10 * with.labels);
}

TEST(MlciOptimised, DBoundsOutsideZeroOneAreHandled) {
  EXPECT_EQ(*condition_d_bound(parse_condition("d < 1.5 +/- 0.1 /\\ n - o > 0 +/- 0.1")), 1.0);
  // d < -0.1 can never hold (d is a fraction): the parser refuses it.
  EXPECT_THROW(parse_condition("d < -0.1 +/- 0.1 /\\ n - o > 0 +/- 0.1"), tern::ValueError);
  EXPECT_DOUBLE_EQ(*condition_d_bound(parse_condition("-2 d > -0.4 +/- 0.1")), 0.2);
  EXPECT_NO_THROW(plan_optimised(make("d < 1.5 +/- 0.1 /\\ n - o > 0 +/- 0.1", 0.9, Adaptivity::kNone, 4)));
}

TEST(MlciOptimised, FallsBackToHoeffdingWhenBennettIsWorse) {
  const Settings s = make("d < 1 +/- 0.01 /\\ n - o > 0 +/- 0.3", 0.99, Adaptivity::kNone, 4);
  const Plan p = plan_optimised(s);
  EXPECT_EQ(p.lines[1].bound, "hoeffding");
}

}  // namespace
}  // namespace tern::mlci
