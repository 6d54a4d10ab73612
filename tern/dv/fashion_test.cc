// Fashion-MNIST from Debian's dataset-fashion-mnist: clean train vs clean
// test raises no anomaly, and the CSV path agrees with the IDX path.
#include <gtest/gtest.h>

#include <filesystem>

#include "tern/data/idx.h"
#include "tern/dv/infer.h"
#include "tern/dv/sources.h"
#include "tern/dv/validate.h"

namespace tern::dv {
namespace {

bool have_dataset() {
  return std::filesystem::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz");
}

TEST(FashionMnist, CleanTrainVsTestRaisesNoAnomaly) {
  if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const auto train = fashion_mnist_stats("train");
  const auto test = fashion_mnist_stats("test");
  ASSERT_EQ(train.num_examples, 60000);
  ASSERT_EQ(test.num_examples, 10000);
  ASSERT_EQ(train.features.size(), 785u);
  const FeatureStats& label = *train.find("label");
  ASSERT_EQ(label.values.size(), 10u);
  for (const auto& [v, c] : label.values) EXPECT_EQ(c, 6000);

  InferOptions o;
  o.drift_jsd = 0.01;
  o.skew_jsd = 0.01;
  Schema schema = infer_schema(train, o);
  // A reviewer's additions: pixel range, label categories with L-infinity.
  for (auto& f : schema.features) f.int_domain = IntDomain{"", 0, f.name == "label" ? 9 : 255, f.name == "label", {}};
  schema.find("label")->drift_comparator->infinity_norm = 0.01;
  schema.dataset_constraints = DatasetConstraints{0.1, 10.0, 1000, std::nullopt, {}};
  const auto a = validate_statistics(schema, test, &train, &train);
  EXPECT_TRUE(a.empty()) << format_anomalies(a);

  // The same checks do fire when the test span is tampered with: drop a class.
  DatasetStats skewed = test;
  FeatureStats& l = const_cast<FeatureStats&>(*skewed.find("label"));
  l.values.erase(l.values.begin());
  const auto b = validate_statistics(schema, skewed, &train, &train);
  ASSERT_FALSE(b.empty());
  EXPECT_EQ(b[0].type, "COMPARATOR_L_INFTY_HIGH");
}

TEST(FashionMnist, CsvExportReadsBackToTheSameStatistics) {
  if (!have_dataset()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const std::string path = ::testing::TempDir() + "/tern_dv_fmnist_test.csv";
  EXPECT_EQ(export_fashion_mnist_csv("test", path), 10000);
  auto from_csv = to_json(csv_stats(path));
  auto from_idx = to_json(fashion_mnist_stats("test"));
  for (auto* j : {&from_csv, &from_idx})
    for (const char* k : {"source", "bytes", "seconds"}) j->erase(k);
  EXPECT_EQ(from_csv, from_idx);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tern::dv
