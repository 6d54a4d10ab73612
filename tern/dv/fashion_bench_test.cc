// The README's figures as a `slow` test: statistics and schema
// inference over Fashion-MNIST as CSV (70,000 rows x 785 columns) on 2
// threads within 20 s and 1 GB peak RSS. bench/dv_fashion_bench.sh times the
// CLI the same way with /usr/bin/time -v.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>

#include "tern/base/timer.h"
#include "tern/data/idx.h"
#include "tern/dv/infer.h"
#include "tern/dv/sources.h"

namespace tern::dv {
namespace {

TEST(FashionMnistCsvBench, StatsAndInferenceWithinBudget) {
  if (!std::filesystem::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const std::string path = ::testing::TempDir() + "/tern_dv_fashion_mnist_bench.csv";
  ASSERT_EQ(export_fashion_mnist_csv("", path), 70000);
  StatsOptions o;
  o.threads = 2;
  Timer t;
  const DatasetStats s = csv_stats(path, o);
  const Schema schema = infer_schema(s);
  const double seconds = t.seconds();
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const double peak_mb = u.ru_maxrss / 1024.0;
  const double mb = static_cast<double>(s.bytes) / 1e6;
  std::printf("fashion-mnist csv: %.1f MB in %.2f s (%.1f MB/s), peak RSS %.0f MB\n", mb, seconds, mb / seconds, peak_mb);
  EXPECT_EQ(s.num_examples, 70000);
  EXPECT_EQ(schema.features.size(), 785u);
  EXPECT_LE(seconds, 20.0);
  EXPECT_LE(peak_mb, 1024.0);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tern::dv
