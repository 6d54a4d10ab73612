#include "tern/train/metrics.h"

#include <gtest/gtest.h>

#include "tern/base/error.h"

namespace tern::train {
namespace {

// Worked by hand: 3 classes, 8 examples.
//   true 0: predicted 0, 0, 1     true 1: predicted 1, 1      true 2: predicted 0, 2, 2
TEST(Metrics, PerClassPrecisionRecallAndConfusion) {
  const Classification c = classify({0, 0, 0, 1, 1, 2, 2, 2}, {0, 0, 1, 1, 1, 0, 2, 2}, 3);
  EXPECT_EQ(c.examples, 8);
  EXPECT_DOUBLE_EQ(c.accuracy, 6.0 / 8);
  EXPECT_EQ(c.count(0, 0), 2);
  EXPECT_EQ(c.count(0, 1), 1);
  EXPECT_EQ(c.count(2, 0), 1);
  EXPECT_EQ(c.count(1, 0), 0);
  // class 0: predicted 3 times, 2 right; 3 examples, 2 found.
  EXPECT_DOUBLE_EQ(c.per_class[0].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.per_class[0].recall, 2.0 / 3);
  // class 1: predicted 3 times, 2 right; 2 examples, both found.
  EXPECT_DOUBLE_EQ(c.per_class[1].precision, 2.0 / 3);
  EXPECT_DOUBLE_EQ(c.per_class[1].recall, 1.0);
  EXPECT_DOUBLE_EQ(c.per_class[1].f1, 2 * (2.0 / 3) / (2.0 / 3 + 1));
  // class 2: predicted twice, both right; 3 examples, 2 found.
  EXPECT_DOUBLE_EQ(c.per_class[2].precision, 1.0);
  EXPECT_DOUBLE_EQ(c.per_class[2].recall, 2.0 / 3);
  EXPECT_EQ(c.per_class[2].support, 3);
  const double f0 = 2.0 / 3, f1 = 0.8, f2 = 0.8;
  EXPECT_NEAR(c.macro_f1, (f0 + f1 + f2) / 3, 1e-12);
}

TEST(Metrics, AClassNeverPredictedHasPrecisionZeroAndIsInTheText) {
  const Classification c = classify({0, 1, 1}, {0, 0, 0}, 3);
  EXPECT_EQ(c.per_class[1].precision, 0);
  EXPECT_EQ(c.per_class[1].recall, 0);
  EXPECT_EQ(c.per_class[2].support, 0);
  // class 0: precision 1/3, recall 1, F1 0.5; class 1: F1 0; class 2 has
  // neither examples nor predictions and is left out of the mean.
  EXPECT_DOUBLE_EQ(c.macro_f1, 0.25);
  const std::string text = classification_text(c, {"cat", "dog", "eel"});
  EXPECT_NE(text.find("dog"), std::string::npos) << text;
  EXPECT_NE(text.find("confusion matrix"), std::string::npos) << text;
  const nlohmann::json j = classification_json(c);
  EXPECT_EQ(j["confusion"][1][0], 2);
  EXPECT_EQ(j["per_class"].size(), 3u);
}

TEST(Metrics, MismatchedOrOutOfRangeInputIsAClearError) {
  EXPECT_THROW(classify({0, 1}, {0}, 2), ValueError);
  EXPECT_THROW(classify({0, 2}, {0, 1}, 2), ValueError);
  EXPECT_THROW(classify({0}, {-1}, 2), ValueError);
}

}  // namespace
}  // namespace tern::train
