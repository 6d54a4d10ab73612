// L-infinity and Jensen-Shannon values against an independent computation
// from the raw values (its own counting and bucketing, and JS written as
// entropy differences in natural logs rather than as two KL terms in log2).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "tern/dv/compare.h"
#include "tern/dv/sources.h"
#include "tern/dv/test_util.h"

namespace tern::dv {
namespace {

using testing::write_temp;

double entropy(const std::vector<double>& p) {
  double h = 0;
  for (double v : p)
    if (v > 0) h -= v * std::log(v);
  return h;
}

// JS = H((P+Q)/2) - (H(P) + H(Q))/2, converted to bits.
double independent_js(const std::vector<double>& p, const std::vector<double>& q) {
  std::vector<double> m(p.size());
  for (size_t i = 0; i < p.size(); ++i) m[i] = 0.5 * (p[i] + q[i]);
  return (entropy(m) - 0.5 * (entropy(p) + entropy(q))) / std::log(2.0);
}

struct Sample {
  std::vector<double> x;
  std::vector<std::string> c;
};

Sample make(uint32_t seed, double shift, const std::vector<double>& weights, int n) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(shift, 3.0);
  std::discrete_distribution<int> cat(weights.begin(), weights.end());
  Sample s;
  for (int i = 0; i < n; ++i) {
    s.x.push_back(std::round(normal(rng) * 10) / 10);  // few distinct values: exact stats
    s.c.push_back(std::string("cat") + std::to_string(cat(rng)));
  }
  return s;
}

std::string csv(const Sample& s) {
  std::string t = "x,c\n";
  for (size_t i = 0; i < s.x.size(); ++i) t += std::to_string(s.x[i]) + "," + s.c[i] + "\n";
  return t;
}

TEST(Compare, MatchesIndependentComputation) {
  const Sample a = make(1, 0.0, {5, 3, 2, 1}, 3000);
  const Sample b = make(2, 0.7, {3, 3, 3, 0, 1}, 2000);
  const auto sa = csv_stats(write_temp("cmp_a.csv", csv(a)));
  const auto sb = csv_stats(write_temp("cmp_b.csv", csv(b)));
  ASSERT_TRUE(sa.find("x")->numeric_exact);

  // L-infinity over category frequencies.
  std::map<std::string, double> fa, fb;
  for (const auto& v : a.c) fa[v] += 1.0 / a.c.size();
  for (const auto& v : b.c) fb[v] += 1.0 / b.c.size();
  double linf = 0;
  for (const auto& k : {"cat0", "cat1", "cat2", "cat3", "cat4"}) linf = std::max(linf, std::fabs(fa[k] - fb[k]));
  const double got_linf = feature_linf(*sa.find("c"), *sb.find("c"));
  EXPECT_NEAR(got_linf, linf, 1e-9);
  EXPECT_GT(linf, 0.05);

  // JS over 10 equal-width buckets spanning both ranges.
  double lo = 1e300, hi = -1e300;
  for (const auto* s : {&a, &b})
    for (double v : s->x) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  std::vector<double> pa(10, 0), pb(10, 0);
  auto bucket = [&](double v) { return std::min(9, static_cast<int>(std::floor((v - lo) / ((hi - lo) / 10)))); };
  for (double v : a.x) pa[bucket(v)] += 1.0 / a.x.size();
  for (double v : b.x) pb[bucket(v)] += 1.0 / b.x.size();
  const double js = independent_js(pa, pb);
  EXPECT_NEAR(feature_jensen_shannon(*sa.find("x"), *sb.find("x")), js, 1e-9);
  EXPECT_GT(js, 0.005);

  // Categorical JS over the union of values.
  std::vector<double> ca, cb;
  for (const auto& k : {"cat0", "cat1", "cat2", "cat3", "cat4"}) {
    ca.push_back(fa[k]);
    cb.push_back(fb[k]);
  }
  EXPECT_NEAR(feature_jensen_shannon(*sa.find("c"), *sb.find("c")), independent_js(ca, cb), 1e-9);

  // The same values from statistics saved as JSON and read back.
  const auto ja = stats_from_json(to_json(sa)), jb = stats_from_json(to_json(sb));
  EXPECT_NEAR(feature_linf(*ja.find("c"), *jb.find("c")), linf, 1e-9);
  EXPECT_NEAR(feature_jensen_shannon(*ja.find("x"), *jb.find("x")), js, 1e-9);
}

TEST(Compare, IdenticalIsZeroDisjointIsOne) {
  EXPECT_EQ(jensen_shannon({1, 2, 3}, {2, 4, 6}), 0.0);
  EXPECT_NEAR(jensen_shannon({1, 0}, {0, 1}), 1.0, 1e-15);
  EXPECT_EQ(linf_distance({{"a", 1}, {"b", 1}}, {{"a", 5}, {"b", 5}}), 0.0);
  EXPECT_NEAR(linf_distance({{"a", 1}}, {{"b", 1}}), 1.0, 1e-15);
}

// With too many distinct values the comparison runs on sketches; it must
// stay close to the exact value.
TEST(Compare, SketchedJsIsCloseToExact) {
  std::mt19937 rng(4);
  std::normal_distribution<double> n0(0, 1), n1(0.5, 1);
  std::string ta = "x\n", tb = "x\n";
  std::vector<double> xa, xb;
  for (int i = 0; i < 20000; ++i) {
    xa.push_back(n0(rng));
    xb.push_back(n1(rng));
  }
  for (double v : xa) ta += std::to_string(v) + "\n";
  for (double v : xb) tb += std::to_string(v) + "\n";
  const auto sa = csv_stats(write_temp("sk_a.csv", ta)), sb = csv_stats(write_temp("sk_b.csv", tb));
  ASSERT_FALSE(sa.find("x")->numeric_exact);
  double lo = std::min(sa.find("x")->min, sb.find("x")->min), hi = std::max(sa.find("x")->max, sb.find("x")->max);
  std::vector<double> pa(10, 0), pb(10, 0);
  for (double v : xa) pa[std::min(9, static_cast<int>((std::stod(std::to_string(v)) - lo) / (hi - lo) * 10))] += 1;
  for (double v : xb) pb[std::min(9, static_cast<int>((std::stod(std::to_string(v)) - lo) / (hi - lo) * 10))] += 1;
  for (auto& v : pa) v /= xa.size();
  for (auto& v : pb) v /= xb.size();
  EXPECT_NEAR(feature_jensen_shannon(*sa.find("x"), *sb.find("x")), independent_js(pa, pb), 0.01);
}

}  // namespace
}  // namespace tern::dv
