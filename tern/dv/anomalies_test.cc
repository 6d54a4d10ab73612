// Each kind of anomaly is injected into a clean file and must be detected,
// on the injected feature; the clean files themselves raise none.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <set>

#include "tern/dv/infer.h"
#include "tern/dv/sources.h"
#include "tern/dv/test_util.h"
#include "tern/dv/validate.h"

namespace tern::dv {
namespace {

using testing::Table;
using testing::to_csv;
using testing::write_temp;

// A clean span: the same distribution for every seed.
Table clean(uint32_t seed, int rows = 500) {
  std::mt19937 rng(seed);
  const char* colors[] = {"red", "green", "blue"};
  Table t = {{"age", "income", "color", "score", "label", "note"}};
  for (int i = 0; i < rows; ++i) {
    t.push_back({std::to_string(18 + rng() % 73), std::to_string(1000 + (rng() % 99000) * 1.0 + 0.25),
                 colors[rng() % 3], std::to_string((rng() % 1001) / 1000.0), std::to_string(rng() % 2),
                 "n" + std::to_string(rng() % 40)});
  }
  return t;
}

int column(const Table& t, const std::string& name) {
  for (size_t i = 0; i < t[0].size(); ++i)
    if (t[0][i] == name) return static_cast<int>(i);
  ADD_FAILURE() << "no column " << name;
  return 0;
}

void set(Table& t, const std::string& name, int row, const std::string& v) { t[row + 1][column(t, name)] = v; }

// The reviewed schema: inferred from a clean span, then tightened by hand.
Schema reviewed_schema() {
  InferOptions o;
  o.drift_linf = 0.1;
  o.skew_jsd = 0.1;
  Schema s = infer_schema(csv_stats(write_temp("schema_src.csv", to_csv(clean(1)))), o);
  s.find("age")->int_domain = IntDomain{"", 18, 90, false, {}};
  s.find("income")->float_domain = FloatDomain{"", 0.0, 1e6, false, false, {}};
  s.find("score")->float_domain = FloatDomain{"", 0.0, 1.0, true, true, {}};
  s.find("color")->unique_constraints = Range{2, 3};
  s.dataset_constraints = DatasetConstraints{0.5, 2.0, 100, std::nullopt, {}};
  return s;
}

DatasetStats stats_of(const Table& t, const std::string& name) { return csv_stats(write_temp(name, to_csv(t))); }

TEST(Anomalies, InferredSchemaHasExpectedShape) {
  const Schema s = reviewed_schema();
  ASSERT_EQ(s.features.size(), 6u);
  EXPECT_EQ(s.find("age")->type, FeatureType::INT);
  EXPECT_EQ(s.find("income")->type, FeatureType::FLOAT);
  EXPECT_EQ(s.find("color")->type, FeatureType::BYTES);
  ASSERT_NE(s.string_domain_of(*s.find("color")), nullptr);
  EXPECT_EQ(s.string_domain_of(*s.find("color"))->values, (std::vector<std::string>{"blue", "green", "red"}));
  EXPECT_DOUBLE_EQ(*s.find("age")->presence->min_fraction, 1.0);
  EXPECT_TRUE(s.find("color")->drift_comparator->infinity_norm.has_value());
  EXPECT_TRUE(s.find("income")->skew_comparator->jensen_shannon_divergence.has_value());
}

TEST(Anomalies, CleanSpansRaiseNone) {
  const Schema s = reviewed_schema();
  for (uint32_t seed : {2u, 3u, 4u}) {
    const auto cur = stats_of(clean(seed), "clean_cur.csv");
    const auto prev = stats_of(clean(seed + 10), "clean_prev.csv");
    const auto serving = stats_of(clean(seed + 20), "clean_serving.csv");
    const auto a = validate_statistics(s, cur, &prev, &serving);
    EXPECT_TRUE(a.empty()) << format_anomalies(a);
  }
}

struct Injection {
  const char* type;     // the TFDV anomaly name expected
  const char* feature;  // "" for dataset-level
  std::function<void(Table& current, Table& previous, Table& serving)> inject;
};

std::vector<Injection> injections() {
  auto blank = [](Table& t, const std::string& name, int every) {
    for (size_t r = 1; r < t.size(); ++r)
      if (r % every == 0) t[r][column(t, name)] = "";
  };
  return {
      {"SCHEMA_NEW_COLUMN", "extra",
       [](Table& t, Table&, Table&) {
         for (auto& row : t) row.push_back(&row == &t[0] ? "extra" : "1");
       }},
      {"SCHEMA_MISSING_COLUMN", "score",
       [](Table& t, Table&, Table&) {
         const int c = column(t, "score");
         for (auto& row : t) row.erase(row.begin() + c);
       }},
      {"FEATURE_TYPE_LOW_FRACTION_PRESENT", "age", [=](Table& t, Table&, Table&) { blank(t, "age", 3); }},
      {"FEATURE_TYPE_LOW_NUMBER_PRESENT", "label", [=](Table& t, Table&, Table&) { blank(t, "label", 1); }},
      {"INT_TYPE_BIG_INT", "age", [](Table& t, Table&, Table&) { set(t, "age", 7, "150"); }},
      {"INT_TYPE_SMALL_INT", "age", [](Table& t, Table&, Table&) { set(t, "age", 7, "-3"); }},
      {"FLOAT_TYPE_BIG_FLOAT", "score", [](Table& t, Table&, Table&) { set(t, "score", 9, "1.5"); }},
      {"FLOAT_TYPE_SMALL_FLOAT", "income", [](Table& t, Table&, Table&) { set(t, "income", 9, "-5.5"); }},
      {"FLOAT_TYPE_HAS_NAN", "score", [](Table& t, Table&, Table&) { set(t, "score", 11, "NaN"); }},
      {"FLOAT_TYPE_HAS_INF", "score", [](Table& t, Table&, Table&) { set(t, "score", 11, "-inf"); }},
      {"INT_TYPE_NOT_INT_STRING", "age", [](Table& t, Table&, Table&) { set(t, "age", 12, "unknown"); }},
      {"UNEXPECTED_DATA_TYPE", "age", [](Table& t, Table&, Table&) { set(t, "age", 12, "33.5"); }},
      {"FLOAT_TYPE_STRING_NOT_FLOAT", "income", [](Table& t, Table&, Table&) { set(t, "income", 13, "n/a"); }},
      {"ENUM_TYPE_UNEXPECTED_STRING_VALUES", "color", [](Table& t, Table&, Table&) { set(t, "color", 14, "purple"); }},
      {"ENUM_TYPE_INVALID_UTF8", "note", [](Table& t, Table&, Table&) { set(t, "note", 15, "n\xff" "1"); }},
      {"FEATURE_TYPE_HIGH_UNIQUE", "color",
       [](Table& t, Table&, Table&) {
         set(t, "color", 1, "cyan");
         set(t, "color", 2, "magenta");
       }},
      {"FEATURE_TYPE_LOW_UNIQUE", "color",
       [](Table& t, Table&, Table&) {
         for (size_t r = 1; r < t.size(); ++r) t[r][column(t, "color")] = "red";
       }},
      {"COMPARATOR_L_INFTY_HIGH", "color",
       [](Table& t, Table&, Table&) {  // drift: red takes over half of the current span
         for (size_t r = 1; r < t.size(); r += 2) t[r][column(t, "color")] = "red";
       }},
      {"COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "income",
       [](Table&, Table&, Table& serving) {  // skew: serving income in cents
         for (size_t r = 1; r < serving.size(); ++r) {
           auto& v = serving[r][column(serving, "income")];
           v = std::to_string(std::stod(v) * 10);
         }
       }},
      {"NO_DATA_IN_SPAN", "", [](Table& t, Table&, Table&) { t.resize(1); }},
      {"DATASET_LOW_NUM_EXAMPLES", "", [](Table& t, Table& p, Table&) { t.resize(51); p.resize(60); }},
      {"COMPARATOR_LOW_NUM_EXAMPLES", "", [](Table& t, Table&, Table&) { t.resize(201); }},
      {"COMPARATOR_HIGH_NUM_EXAMPLES", "",
       [](Table& t, Table&, Table&) {
         const Table copy = t;
         for (int k = 0; k < 2; ++k) t.insert(t.end(), copy.begin() + 1, copy.end());
       }},
      {"COMPARATOR_CONTROL_DATA_MISSING", "color",
       [](Table&, Table& p, Table&) {
         const int c = column(p, "color");
         for (auto& row : p) row.erase(row.begin() + c);
       }},
      {"COMPARATOR_TREATMENT_DATA_MISSING", "income",
       [](Table&, Table&, Table& s) {
         const int c = column(s, "income");
         for (auto& row : s) row.erase(row.begin() + c);
       }},
  };
}

TEST(Anomalies, EachInjectedKindIsDetected) {
  const Schema s = reviewed_schema();
  std::set<std::string> detected;
  for (const auto& inj : injections()) {
    SCOPED_TRACE(inj.type);
    Table cur = clean(5), prev = clean(6), serving = clean(7);
    inj.inject(cur, prev, serving);
    const auto c = stats_of(cur, "inj_cur.csv"), p = stats_of(prev, "inj_prev.csv"), sv = stats_of(serving, "inj_srv.csv");
    const auto anomalies = validate_statistics(s, c, &p, &sv);
    bool found = false;
    for (const auto& a : anomalies) {
      if (a.type == inj.type) {
        found = true;
        EXPECT_EQ(a.feature, inj.feature);
        EXPECT_FALSE(a.description.empty());
        EXPECT_FALSE(a.fix.empty());
      }
    }
    EXPECT_TRUE(found) << "got:\n" << format_anomalies(anomalies);
    if (found) detected.insert(inj.type);
  }
  EXPECT_GE(detected.size(), 15u);
}

TEST(Anomalies, SuggestedFixIsAccepted) {
  // Applying the suggested presence fix makes the anomaly go away.
  Schema s = reviewed_schema();
  Table cur = clean(5);
  for (size_t r = 1; r < cur.size(); r += 4) cur[r][column(cur, "age")] = "";
  const auto st = stats_of(cur, "fix.csv");
  auto a = validate_statistics(s, st);
  ASSERT_EQ(a.size(), 1u) << format_anomalies(a);
  EXPECT_EQ(a[0].type, "FEATURE_TYPE_LOW_FRACTION_PRESENT");
  EXPECT_NEAR(a[0].measured, 0.75, 1e-12);
  s.find("age")->presence->min_fraction = a[0].measured;
  EXPECT_TRUE(validate_statistics(s, st).empty());
}

TEST(Anomalies, InvalidUtf8AnomalyNamesTheLocation) {
  Table cur = clean(5);
  set(cur, "note", 41, "bad\xc3");
  const auto a = validate_statistics(reviewed_schema(), stats_of(cur, "utf8_loc.csv"));
  bool found = false;
  for (const auto& x : a)
    if (x.type == "ENUM_TYPE_INVALID_UTF8") {
      found = true;
      // Row 41 is on line 43 (header on line 1); note is the 6th column.
      EXPECT_NE(x.description.find("line 43"), std::string::npos) << x.description;
    }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace tern::dv
