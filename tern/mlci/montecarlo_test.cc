// Monte-Carlo check of the guarantees: over 10^5 simulated CI runs, the rate
// of runs with a wrong decision (fp-free: a commit that violates the
// condition passes; fn-free: a commit that meets it fails) must stay within
// delta = 1 - reliability, up to sampling error. Each suite also runs a
// negative control with too few examples, which must exceed delta, so the
// harness can fail.
//
// Test sets are drawn from a population by including each population example
// independently with probability q; models are correctness patterns over the
// population, so a model's true accuracy is known exactly while its test
// estimate is random. Counts are drawn as binomials instead of per example.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <random>
#include <vector>

#include "tern/mlci/decide.h"
#include "tern/mlci/estimate.h"

namespace tern::mlci {
namespace {

constexpr int kTrials = 100000;

Settings make(const std::string& cond, Mode m, Adaptivity a, double rel, int64_t steps) {
  Settings s;
  s.condition = parse_condition(cond);
  s.mode = m;
  s.adaptivity = a;
  s.reliability = rel;
  s.steps = steps;
  return s;
}

double allowed(double delta, int trials) { return delta + 3.0 * std::sqrt(delta * (1 - delta) / trials); }

// True (n, o, d) of a model pair given P(n right, o wrong) = p10,
// P(n wrong, o right) = p01, P(both right) = p11.
struct Truth {
  double p10, p01, p11;
};

// Draws one test set of n examples and returns the empirical (n, o, d).
std::array<double, 3> draw(std::mt19937_64& g, int64_t n, const Truth& t) {
  const auto c10 = std::binomial_distribution<int64_t>(n, t.p10)(g);
  const auto c01 = std::binomial_distribution<int64_t>(n - c10, t.p01 / (1 - t.p10))(g);
  const auto c11 = std::binomial_distribution<int64_t>(n - c10 - c01, t.p11 / (1 - t.p10 - t.p01))(g);
  const double m = static_cast<double>(n);
  return {(c11 + c10) / m, (c11 + c01) / m, (c10 + c01) / m};
}

bool condition_true(const Settings& s, const Truth& t) {
  const std::array<double, 3> v = {t.p11 + t.p10, t.p11 + t.p01, t.p10 + t.p01};
  for (const Clause& c : s.condition.clauses) {
    const double x = c.lhs(v);
    if (c.cmp == Cmp::kGreater ? !(x > c.threshold) : !(x < c.threshold)) return false;
  }
  return true;
}

// Non-adaptive: H models on one test set, each at the edge of the condition
// where a wrong decision is most likely. Returns the rate of runs with at
// least one wrong decision.
double non_adaptive_rate(const Settings& s, int64_t n, const Truth& t, int trials, uint64_t seed) {
  std::mt19937_64 g(seed);
  const bool truth = condition_true(s, t);
  int bad = 0;
  for (int trial = 0; trial < trials; ++trial) {
    for (int64_t step = 0; step < s.steps; ++step) {
      const auto e = draw(g, n, t);
      const bool pass = passes(s, e[0], e[1], e[2]);
      const bool wrong = s.mode == Mode::kFpFree ? (pass && !truth) : (!pass && truth);
      if (wrong) {
        ++bad;
        break;
      }
    }
  }
  return static_cast<double>(bad) / trials;
}

// The condition n - o > 0 +/- eps at the edge: fp-free sees a model that is
// exactly as good as the old one (violates "> 0"), fn-free one that is better
// by 1e-6 (meets it). Half the examples see a disagreement, the worst case
// for the variance.
Truth edge(Mode m) {
  const double lift = m == Mode::kFpFree ? 0.0 : 1e-6;
  return {0.25 + lift, 0.25, 0.25};
}

TEST(MlciMonteCarlo, HoeffdingNonAdaptiveBothModes) {
  for (Mode m : {Mode::kFpFree, Mode::kFnFree}) {
    const Settings s = make("n - o > 0 +/- 0.05", m, Adaptivity::kNone, 0.9, 4);
    const int64_t n = hoeffding_examples(s);
    const double rate = non_adaptive_rate(s, n, edge(m), kTrials, 7);
    const double control = non_adaptive_rate(s, n / 6, edge(m), kTrials / 10, 8);
    std::printf("hoeffding %s none H=4 N=%lld: violation rate %.5f (delta 0.1); with N/6: %.4f\n", mode_name(m),
                static_cast<long long>(n), rate, control);
    EXPECT_LE(rate, allowed(s.delta(), kTrials));
    EXPECT_GT(control, s.delta());
  }
}

// The paper's pattern: d < A /\ n - o > B, sized by Bennett's bound with
// p = A. The truth sits at the edge of both clauses.
TEST(MlciMonteCarlo, BennettNonAdaptiveBothModes) {
  for (Mode m : {Mode::kFpFree, Mode::kFnFree}) {
    const Settings s = make("d < 0.1 +/- 0.05 /\\ n - o > 0 +/- 0.02", m, Adaptivity::kNone, 0.9, 4);
    const Plan plan = plan_optimised(s);
    ASSERT_NE(plan.lines[1].bound.find("bennett"), std::string::npos);
    ASSERT_EQ(plan.examples, plan.lines[1].examples);  // the Bennett clause sets the size
    const int64_t n = plan.examples;
    // fp-free: d = 0.04 meets its clause with room to pass, n - o = 0 violates.
    // fn-free: d just below 0.1 and n - o just above 0: both clauses hold.
    const Truth t = m == Mode::kFpFree ? Truth{0.02, 0.02, 0.6} : Truth{0.0499995 + 1e-7, 0.0499995, 0.6};
    const double rate = non_adaptive_rate(s, n, t, kTrials, 9);
    const double control = non_adaptive_rate(s, n / 10, t, kTrials / 10, 10);
    std::printf("bennett %s none H=4 N=%lld (labels %lld): violation rate %.5f (delta 0.1); with N/10: %.4f\n",
                mode_name(m), static_cast<long long>(n), static_cast<long long>(plan.labels), rate, control);
    EXPECT_LE(rate, allowed(s.delta(), kTrials));
    EXPECT_GT(control, s.delta());
  }
}

// The path `tern ci check` takes without a d clause: d is measured on the
// test set (no labels), turned into a bound p by the hierarchical d test, and
// the test set is used only if it is large enough for Bennett with that p.
// Runs where the check refuses (test set too small) make no decision.
TEST(MlciMonteCarlo, HierarchicalMeasuredBoundBothModes) {
  for (Mode m : {Mode::kFpFree, Mode::kFnFree}) {
    const Settings s = make("n - o > 0 +/- 0.02", m, Adaptivity::kNone, 0.9, 4);
    const int64_t n = plan_optimised(s, {0.14}).examples;  // sized for d up to about 0.1
    ASSERT_LT(n, hoeffding_examples(s));
    const Truth t = {0.05 + (m == Mode::kFpFree ? 0.0 : 1e-6), 0.05, 0.6};  // d = 0.1, n - o at the edge
    std::mt19937_64 g(13);
    int bad = 0, decided = 0;
    const int trials = kTrials;
    for (int trial = 0; trial < trials; ++trial) {
      bool wrong = false, all_decided = true;
      for (int64_t step = 0; step < s.steps; ++step) {
        const auto e = draw(g, n, t);
        if (!requirement(s, n, e[2]).enough) {
          all_decided = false;
          continue;
        }
        const bool pass = passes(s, e[0], e[1], e[2]);
        wrong = wrong || (m == Mode::kFpFree ? pass : !pass);
      }
      bad += wrong;
      decided += all_decided;
    }
    const double rate = static_cast<double>(bad) / trials;
    std::printf("hierarchical %s none H=4 N=%lld: violation rate %.5f (delta 0.1), all steps decided in %.3f of runs\n",
                mode_name(m), static_cast<long long>(n), rate, static_cast<double>(decided) / trials);
    EXPECT_LE(rate, allowed(s.delta(), trials));
    EXPECT_GT(decided, trials * 9 / 10);  // the check really decided, so the rate means something
  }
}

// An adversary that adapts to the revealed results (full adaptivity), after
// the "ladder" attack on holdout reuse. Population of M examples; the old
// model o and the base new model b agree everywhere and are right on half.
// Step t < H submits a probe: b plus a random accuracy-neutral swap set S_t
// (s examples turned wrong, s turned right, disjoint from earlier sets) plus
// a shift set that moves the true n - o towards the decision edge, so the
// pass/fail bit tells the sign of S_t's effect on the hidden test set. The
// shift starts short of the edge and grows by small fresh sets while probes
// keep failing, until the first useful result (the adversary calibrates on
// the revealed bits).
// Probes meet (fp-free) or violate (fn-free) the condition, so their results
// are never wrong decisions. The last step submits b plus every S_t whose
// effect helped: its true n - o equals b's, but its test estimate is pushed
// across the threshold. Returns the rate of runs whose last decision is wrong.
// Exact sampler for Bin(s, q) - Bin(s, q) by inverting its tabulated CDF:
// a swap set's test effect, drawn in O(log s).
class SwapEffect {
 public:
  SwapEffect(int64_t s, double q) : s_(s) {
    std::vector<double> pmf(s + 1);
    for (int64_t k = 0; k <= s; ++k)
      pmf[k] = std::exp(std::lgamma(s + 1.0) - std::lgamma(k + 1.0) - std::lgamma(s - k + 1.0) + k * std::log(q) +
                        (s - k) * std::log1p(-q));
    double acc = 0;
    for (int64_t diff = -s; diff <= s; ++diff) {
      double p = 0;
      for (int64_t a = std::max<int64_t>(0, diff); a <= std::min(s, s + diff); ++a) p += pmf[a] * pmf[a - diff];
      acc += p;
      cdf_.push_back(acc);
    }
  }
  int64_t operator()(std::mt19937_64& g) const {
    const double u = std::uniform_real_distribution<double>(0.0, cdf_.back())(g);
    return static_cast<int64_t>(std::upper_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin()) - s_;
  }

 private:
  int64_t s_;
  std::vector<double> cdf_;
};

double adaptive_attack_rate(const Settings& s, int64_t n, int trials, uint64_t seed) {
  const double eps = s.condition.clauses[0].eps, q = 0.25;
  const auto M = static_cast<int64_t>(std::ceil(n / q));
  const int64_t swap = static_cast<int64_t>((M / 2 - 2 * eps * M) / (s.steps - 1));
  const double sigma = std::sqrt(2.0 * swap * q * (1 - q));  // sd of a swap set's test effect
  const auto inc = static_cast<int64_t>(std::ceil(sigma / q));
  const auto shift0 = static_cast<int64_t>(eps * M - 4.0 * std::sqrt(eps * M * q * (1 - q)) / q);
  EXPECT_GT(swap, 0);
  const bool fp = s.mode == Mode::kFpFree;
  std::mt19937_64 g(seed);
  const SwapEffect swap_effect(swap, q);
  std::binomial_distribution<int64_t> in_test_inc(inc, q);
  int bad = 0;
  for (int trial = 0; trial < trials; ++trial) {
    const auto n_test = std::binomial_distribution<int64_t>(M, q)(g);
    // Test effect (examples right minus examples wrong) of the shift so far.
    int64_t shift_effect = std::binomial_distribution<int64_t>(shift0, q)(g), shift = shift0;
    int64_t kept = 0;  // test effect of the swap sets kept for the attack
    bool calibrated = false;
    for (int64_t t = 0; t + 1 < s.steps; ++t) {
      const int64_t effect = swap_effect(g);
      const double probe = static_cast<double>((fp ? 1 : -1) * shift_effect + effect) / n_test;
      const bool pass = passes(s, probe, 0.0, 0.0);
      // fp-free: a pass means the swap helped; fn-free: a fail means it hurt.
      calibrated = calibrated || pass == fp;
      if (pass == fp) {
        kept += effect;
      } else if (!calibrated && shift + inc <= 2 * eps * M) {
        shift += inc;
        shift_effect += in_test_inc(g);
      }
    }
    // Attack: true n - o is exactly 0 (fp: violates "> 0"), or 1/M (fn: meets it).
    const double attack = static_cast<double>(kept + (fp ? 0 : 1)) / n_test;
    const bool pass = passes(s, attack, 0.0, 0.0);
    bad += fp ? pass : !pass;
  }
  return static_cast<double>(bad) / trials;
}

TEST(MlciMonteCarlo, AdaptiveAdversaryUnderFullBothModes) {
  for (Mode m : {Mode::kFpFree, Mode::kFnFree}) {
    const Settings full = make("n - o > 0 +/- 0.05", m, Adaptivity::kFull, 0.9, 256);
    const Settings none = make("n - o > 0 +/- 0.05", m, Adaptivity::kNone, 0.9, 256);
    const int64_t n_full = hoeffding_examples(full), n_none = hoeffding_examples(none);
    const double rate = adaptive_attack_rate(full, n_full, kTrials, 11);
    // The same attack against a test set sized as if nothing were revealed:
    // the 2^H union bound is what stops it.
    const double control = adaptive_attack_rate(full, n_none, kTrials / 10, 12);
    std::printf("adaptive attack %s full H=256: N=%lld -> violation rate %.5f (delta 0.1); "
                "N sized for none (%lld) -> %.4f\n",
                mode_name(m), static_cast<long long>(n_full), rate, static_cast<long long>(n_none), control);
    EXPECT_LE(rate, allowed(full.delta(), kTrials));
    EXPECT_GT(control, full.delta());
  }
}

}  // namespace
}  // namespace tern::mlci
