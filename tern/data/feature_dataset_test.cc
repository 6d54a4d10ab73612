#include "tern/data/feature_dataset.h"

#include <gtest/gtest.h>

namespace tern::data {
namespace {

TEST(FeatureDataset, StandardisesPerPositionAndTakeKeepsIt) {
  // Column 0: 1, 3 (mean 2, std 1); column 1 constant 5 (std 0: centred, unscaled).
  FeatureDataset ds({1, 5, 3, 5}, {0, 2}, {2}, 3);
  auto [mean, sd] = ds.position_stats();
  EXPECT_EQ(mean, (std::vector<float>{2, 5}));
  EXPECT_EQ(sd, (std::vector<float>{1, 0}));
  Batch raw = ds.get({1, 0});
  EXPECT_EQ(raw.inputs.to_vector<float>(), (std::vector<float>{3, 5, 1, 5}));
  EXPECT_EQ(raw.labels.to_vector<int64_t>(), (std::vector<int64_t>{2, 0}));
  ds.set_standardization(mean, sd);
  EXPECT_EQ(ds.get({0, 1}).inputs.to_vector<float>(), (std::vector<float>{-1, 0, 1, 0}));
  auto one = ds.take({1});
  EXPECT_EQ(one->size(), 1);
  EXPECT_EQ(one->get({0}).inputs.to_vector<float>(), (std::vector<float>{1, 0}));
  EXPECT_EQ(one->num_classes(), 3);
  EXPECT_THROW(ds.get({2}), IndexError);
  EXPECT_THROW(ds.set_num_classes(2), ValueError);
  EXPECT_THROW(FeatureDataset({1, 2, 3}, {0, 1}, {2}, 2), ValueError);
}

}  // namespace
}  // namespace tern::data
