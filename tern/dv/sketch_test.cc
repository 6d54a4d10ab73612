#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tern/dv/sketch.h"
#include "tern/dv/stats.h"

namespace tern::dv {
namespace {

TEST(QuantileSketch, RankErrorIsSmallAndMergeWorks) {
  std::mt19937 rng(3);
  std::vector<double> all;
  QuantileSketch a, b;
  for (int i = 0; i < 200000; ++i) {
    const double v = std::normal_distribution<double>(0, 1)(rng);
    all.push_back(v);
    (i % 2 ? a : b).add(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), 200000);
  std::sort(all.begin(), all.end());
  for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99}) {
    const double est = a.quantile(q);
    // Rank of the estimate in the true data.
    const double rank = static_cast<double>(std::lower_bound(all.begin(), all.end(), est) - all.begin()) / all.size();
    EXPECT_NEAR(rank, q, 0.01) << "q=" << q;
  }
  // Memory stays bounded: far fewer items kept than added.
  EXPECT_LT(a.items().size(), 20000u);
}

TEST(QuantileSketch, WeightedAddsCountFully) {
  QuantileSketch s(16);
  s.add(1.0, 1000);
  s.add(2.0, 3000);
  int64_t total = 0;
  for (const auto& it : s.items()) total += it.second;
  EXPECT_EQ(total, 4000);
  EXPECT_EQ(s.quantile(0.1), 1.0);
  EXPECT_EQ(s.quantile(0.9), 2.0);
}

TEST(TopK, FindsHeavyHittersWithinErrorBound) {
  TopK a(50), b(50);
  std::mt19937 rng(5);
  std::map<std::string, int64_t> truth;
  for (int i = 0; i < 100000; ++i) {
    // Zipf-like: value k with weight ~ 1/(k+1).
    const int k = static_cast<int>(std::pow(5000.0, std::uniform_real_distribution<double>(0, 1)(rng))) - 1;
    std::string s = "v";  // (not "v" + to_string: GCC 12 -Wrestrict false positive)
    s += std::to_string(k);
    ++truth[s];
    (i % 3 ? a : b).add(s);
  }
  a.merge(b);
  const auto top = a.top();
  ASSERT_FALSE(top.empty());
  EXPECT_EQ(top[0].first, "v0");
  for (size_t i = 0; i < 5; ++i) {
    const int64_t t = truth[top[i].first];
    EXPECT_LE(top[i].second, t);
    EXPECT_GE(top[i].second, t - a.error());
  }
}

TEST(HyperLogLog, EstimatesDistinctCount) {
  HyperLogLog a, b;
  for (int i = 0; i < 100000; ++i) (i % 2 ? a : b).add("key" + std::to_string(i % 50000));
  a.merge(b);
  EXPECT_NEAR(a.estimate(), 50000, 50000 * 0.05);
  HyperLogLog small;
  for (int i = 0; i < 100; ++i) small.add(std::to_string(i));
  EXPECT_NEAR(small.estimate(), 100, 5);
}

// Past kExactDistinct values a column switches to sketches; moments stay exact.
TEST(ColumnAccumulator, SpillsToSketchesWithExactMoments) {
  ColumnAccumulator a, b;
  std::mt19937 rng(9);
  std::vector<double> xs;
  for (int i = 0; i < 50000; ++i) {
    const double v = std::uniform_real_distribution<double>(-5, 5)(rng);
    xs.push_back(v);
    const std::string text = std::to_string(v);
    (i % 2 ? a : b).add_field(text, false, i + 2, 1);
    xs.back() = std::stod(text);
  }
  a.merge(b);
  const FeatureStats f = a.finish("x");
  EXPECT_EQ(f.type, FeatureType::FLOAT);
  EXPECT_FALSE(f.numeric_exact);
  double mean = 0;
  for (double v : xs) mean += v;
  mean /= xs.size();
  double var = 0;
  for (double v : xs) var += (v - mean) * (v - mean);
  EXPECT_NEAR(f.mean, mean, 1e-9);
  EXPECT_NEAR(f.std_dev, std::sqrt(var / xs.size()), 1e-9);
  std::sort(xs.begin(), xs.end());
  EXPECT_EQ(f.min, xs.front());
  EXPECT_EQ(f.max, xs.back());
  EXPECT_NEAR(f.quantiles[50], xs[xs.size() / 2], 0.1);
  EXPECT_NEAR(static_cast<double>(f.unique), 50000, 2500);
  int64_t hist = 0;
  for (int64_t c : f.hist_counts) hist += c;
  EXPECT_EQ(hist, 50000);
}

}  // namespace
}  // namespace tern::dv
