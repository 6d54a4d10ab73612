#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "tern/base/error.h"
#include "tern/dv/sources.h"
#include "tern/dv/stats.h"
#include "tern/dv/test_util.h"

namespace tern::dv {
namespace {

using testing::write_temp;

TEST(Stats, NumericSummaryMatchesDirectComputation) {
  std::mt19937 rng(1);
  std::vector<double> xs;
  std::string text = "x,k,s\n";
  int missing = 0;
  for (int i = 0; i < 2000; ++i) {
    if (i % 10 == 3) {
      text += ",";
      ++missing;
    } else {
      const double v = static_cast<int>(rng() % 400) / 4.0 - 20;
      xs.push_back(v);
      text += std::to_string(v) + ",";
    }
    text += std::to_string(rng() % 5) + "," + (i % 2 ? "odd" : "even") + "\n";
  }
  const auto s = csv_stats(write_temp("numeric.csv", text));
  ASSERT_EQ(s.num_examples, 2000);
  const FeatureStats& f = *s.find("x");
  EXPECT_EQ(f.type, FeatureType::FLOAT);
  EXPECT_EQ(f.num_missing, missing);
  EXPECT_EQ(f.num_present, static_cast<int64_t>(xs.size()));
  double sum = 0;
  for (double v : xs) sum += v;
  const double mean = sum / xs.size();
  double ss = 0;
  for (double v : xs) ss += (v - mean) * (v - mean);
  EXPECT_NEAR(f.mean, mean, 1e-12);
  EXPECT_NEAR(f.std_dev, std::sqrt(ss / xs.size()), 1e-12);
  std::sort(xs.begin(), xs.end());
  EXPECT_EQ(f.min, xs.front());
  EXPECT_EQ(f.max, xs.back());
  // Quantile k: smallest value with at least k% of the values at or below it.
  for (int k : {1, 25, 50, 75, 99}) {
    const size_t rank = static_cast<size_t>(std::ceil(xs.size() * k / 100.0));
    EXPECT_EQ(f.quantiles[k], xs[rank - 1]) << k;
  }
  // Histogram: 10 equal-width buckets over [min, max], max in the last one.
  std::vector<int64_t> h(10, 0);
  for (double v : xs) h[std::min(9, static_cast<int>((v - xs.front()) / (xs.back() - xs.front()) * 10))]++;
  EXPECT_EQ(f.hist_counts, h);
  EXPECT_EQ(s.find("k")->type, FeatureType::INT);
  const FeatureStats& str = *s.find("s");
  EXPECT_EQ(str.type, FeatureType::BYTES);
  EXPECT_EQ(str.unique, 2);
  EXPECT_DOUBLE_EQ(str.avg_length, 3.5);
  ASSERT_EQ(str.top_values.size(), 2u);
  EXPECT_EQ(str.top_values[0].second, 1000);
}

TEST(Stats, TypesFollowTheValues) {
  const auto s = csv_stats(write_temp("types.csv",
      "i,f,b,nan,mixed,empty\n1,1.5,x,nan,1,\n-2,2,y,1,\"two\",\n9223372036854775807,inf,\"\",-inf,3.5,\n"));
  EXPECT_EQ(s.find("i")->type, FeatureType::INT);
  EXPECT_EQ(s.find("i")->max, 9223372036854775807.0);
  EXPECT_EQ(s.find("f")->type, FeatureType::FLOAT);
  EXPECT_EQ(s.find("f")->num_inf, 1);
  EXPECT_EQ(s.find("b")->type, FeatureType::BYTES);
  EXPECT_EQ(s.find("b")->num_present, 3);  // "" is a present empty string
  EXPECT_EQ(s.find("nan")->num_nan, 1);
  EXPECT_EQ(s.find("nan")->num_inf, 1);
  EXPECT_EQ(s.find("mixed")->type, FeatureType::BYTES);
  EXPECT_EQ(s.find("mixed")->unique, 3);
  EXPECT_EQ(s.find("empty")->num_missing, 3);
  // Out-of-range literals are still numbers: 1e400 is inf.
  const auto r = csv_stats(write_temp("range.csv", "x\n1e400\n-1e400\n1e-400\n4.9e-324\n"));
  EXPECT_EQ(r.find("x")->type, FeatureType::FLOAT);
  EXPECT_EQ(r.find("x")->num_inf, 2);
  EXPECT_EQ(r.find("x")->num_numeric, 2);
  EXPECT_EQ(s.find("empty")->num_present, 0);
}

TEST(Stats, JsonRoundTrip) {
  const auto s = csv_stats(write_temp("roundtrip.csv", "a,b\n1,x\n2.5,y\nnan,\"q\"\"z\"\n,y\n"));
  const auto j = to_json(s);
  EXPECT_EQ(to_json(stats_from_json(j)), j);
  EXPECT_THROW(stats_from_json(nlohmann::json::parse("{\"format\":\"other\"}")), ValueError);
}

TEST(Stats, ThreadCountDoesNotChangeExactStatistics) {
  std::string text = "a,b\n";
  for (int i = 0; i < 20000; ++i) text += std::to_string(i % 700) + "," + std::to_string(i % 13) + "\n";
  const std::string path = write_temp("threads.csv", text);
  StatsOptions one, two;
  one.threads = 1;
  one.csv.block_bytes = 1000;
  two.threads = 2;
  two.csv.block_bytes = 1000;
  auto a = to_json(csv_stats(path, one)), b = to_json(csv_stats(path, two));
  a.erase("seconds");
  b.erase("seconds");
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace tern::dv
