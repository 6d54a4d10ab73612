#include "tern/mlci/condition.h"

#include <gtest/gtest.h>

#include "tern/base/error.h"

namespace tern::mlci {
namespace {

TEST(MlciCondition, ParsesDifferenceClause) {
  const Condition c = parse_condition("n - o > 0.02 +/- 0.01");
  ASSERT_EQ(c.clauses.size(), 1u);
  const Clause& cl = c.clauses[0];
  EXPECT_EQ(cl.coef[0], 1.0);
  EXPECT_EQ(cl.coef[1], -1.0);
  EXPECT_EQ(cl.coef[2], 0.0);
  EXPECT_EQ(cl.cmp, Cmp::kGreater);
  EXPECT_DOUBLE_EQ(cl.threshold, 0.02);
  EXPECT_DOUBLE_EQ(cl.eps, 0.01);
  EXPECT_EQ(cl.num_vars(), 2);
  EXPECT_TRUE(cl.is_difference());
  EXPECT_FALSE(cl.label_free());
}

TEST(MlciCondition, ParsesConjunctionCoefficientsAndSpacing) {
  const Condition c = parse_condition("d<0.1+/-0.01 /\\ 1.5*n - 0.5 o + d > -0.2 +/- 0.05");
  ASSERT_EQ(c.clauses.size(), 2u);
  EXPECT_TRUE(c.clauses[0].label_free());
  EXPECT_EQ(c.clauses[0].cmp, Cmp::kLess);
  EXPECT_EQ(c.clauses[0].text, "d<0.1+/-0.01");
  const Clause& b = c.clauses[1];
  EXPECT_DOUBLE_EQ(b.coef[0], 1.5);
  EXPECT_DOUBLE_EQ(b.coef[1], -0.5);
  EXPECT_DOUBLE_EQ(b.coef[2], 1.0);
  EXPECT_DOUBLE_EQ(b.threshold, -0.2);
  EXPECT_EQ(b.num_vars(), 3);
  EXPECT_DOUBLE_EQ(b.lhs({0.9, 0.8, 0.1}), 1.5 * 0.9 - 0.5 * 0.8 + 0.1);
}

TEST(MlciCondition, LeadingMinusAndRepeatedVariablesCombine) {
  const Condition c = parse_condition("-o + n + n > 0 +/- 0.1");
  EXPECT_DOUBLE_EQ(c.clauses[0].coef[0], 2.0);
  EXPECT_DOUBLE_EQ(c.clauses[0].coef[1], -1.0);
  EXPECT_FALSE(c.clauses[0].is_difference());
}

std::string error_of(const std::string& text) {
  try {
    parse_condition(text);
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

TEST(MlciCondition, MalformedInputNamesColumnAndExpectation) {
  EXPECT_NE(error_of("n - o > 0.02").find("column 13: expected '+/- eps'"), std::string::npos) << error_of("n - o > 0.02");
  EXPECT_NE(error_of("n - x > 0.1 +/- 0.1").find("column 5: unknown name 'x'"), std::string::npos);
  EXPECT_NE(error_of("n - o >= 0.1 +/- 0.1").find("'>=' and '<=' are not part"), std::string::npos);
  EXPECT_NE(error_of("n - o > 0.1 +/- 0").find("tolerance eps in (0, 1)"), std::string::npos);
  EXPECT_NE(error_of("n - o > 0.1 +/- 0.1 /\\").find("expected a term"), std::string::npos);
  EXPECT_NE(error_of("n - n > 0.1 +/- 0.1").find("cancel out"), std::string::npos);
  EXPECT_NE(error_of("n > o +/- 0.1").find("variables must be on the left"), std::string::npos);
  EXPECT_NE(error_of("n + 0.1 > 0 +/- 0.1").find("constants belong on the right"), std::string::npos);
  EXPECT_NE(error_of("").find("at least one clause"), std::string::npos);
  EXPECT_NE(error_of("n > 1..2 +/- 0.1").find("malformed number"), std::string::npos);
  EXPECT_NE(error_of("n > 0.5 +/- 0.1 n").find("expected '/\\' between clauses"), std::string::npos);
  EXPECT_NE(error_of("nn > 0.5 +/- 0.1").find("unknown name 'nn'"), std::string::npos);
  EXPECT_NE(error_of("n > 0.5 +/- 0.1 \x01").find("\\x01"), std::string::npos);
}

}  // namespace
TEST(MlciCondition, ClausesThatCanNeverHoldAreRefused) {
  for (const char* bad : {"n > 2 +/- 0.01", "n - o > 1 +/- 0.01", "d < 0 +/- 0.01", "0.05n > 0.8 +/- 0.05"}) {
    try {
      parse_condition(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("can never hold"), std::string::npos) << e.what();
    }
  }
  EXPECT_NO_THROW(parse_condition("n - o > 0.99 +/- 0.01"));
}

}  // namespace tern::mlci
