#include <gtest/gtest.h>

#include <random>

#include "tern/base/error.h"
#include "tern/dv/schema.h"

namespace tern::dv {
namespace {

// Written the way TFDV writes schemas, plus fields Tern does not interpret.
constexpr const char* kTfdvSchema = R"(# a TFDV schema
feature {
  name: "age"
  value_count { min: 1 max: 1 }
  type: INT
  int_domain { min: 0 max: 120 is_categorical: false }
  presence { min_fraction: 0.99 min_count: 1 }
  annotation { tag: "pii" }
}
feature {
  name: "color"
  type: BYTES
  domain: "color"
  presence { min_count: 1 }
  skew_comparator { infinity_norm { threshold: 0.01 } }
  drift_comparator { infinity_norm: { threshold: 0.1 }, jensen_shannon_divergence < threshold: 0.2 > }
  unique_constraints { min: 1 max: 3 }
  not_in_environment: "SERVING"
}
feature {
  name: "score"
  type: FLOAT
  float_domain { min: -1.5 max: 1e3 disallow_nan: true disallow_inf: true }
  shape { dim { size: 1 } }
  annotation { }
}
feature {
  name: "note"
  type: BYTES
  string_domain { value: ["a", 'b\'s', "tab\there", "caf\303\251"] }
}
string_domain { name: "color" value: "red" value: "green" value: "blue" }
dataset_constraints {
  num_examples_drift_comparator { min_fraction_threshold: 0.5 max_fraction_threshold: 2.0 }
  min_examples_count: 10
}
default_environment: "TRAINING"
default_environment: "SERVING"
)";

TEST(Schema, ReadsTfdvTextFormat) {
  const Schema s = parse_schema(kTfdvSchema, "schema.pbtxt");
  ASSERT_EQ(s.features.size(), 4u);
  const auto* age = s.find("age");
  ASSERT_NE(age, nullptr);
  EXPECT_EQ(age->type, FeatureType::INT);
  EXPECT_EQ(age->int_domain->max, 120);
  EXPECT_DOUBLE_EQ(*age->presence->min_fraction, 0.99);
  EXPECT_EQ(age->value_count->min, 1);
  ASSERT_EQ(age->extra.fields.size(), 1u);  // annotation kept
  const auto* color = s.find("color");
  EXPECT_DOUBLE_EQ(*color->skew_comparator->infinity_norm, 0.01);
  EXPECT_DOUBLE_EQ(*color->drift_comparator->infinity_norm, 0.1);
  EXPECT_DOUBLE_EQ(*color->drift_comparator->jensen_shannon_divergence, 0.2);
  EXPECT_EQ(color->unique_constraints->max, 3);
  ASSERT_NE(s.string_domain_of(*color), nullptr);
  EXPECT_EQ(s.string_domain_of(*color)->values.size(), 3u);
  const auto* score = s.find("score");
  EXPECT_DOUBLE_EQ(*score->float_domain->min, -1.5);
  EXPECT_DOUBLE_EQ(*score->float_domain->max, 1000);
  EXPECT_TRUE(score->float_domain->disallow_nan);
  EXPECT_EQ(s.find("note")->string_domain->values,
            (std::vector<std::string>{"a", "b's", "tab\there", "caf\xc3\xa9"}));
  EXPECT_EQ(s.dataset_constraints->min_examples_count, 10);
  EXPECT_DOUBLE_EQ(*s.dataset_constraints->max_fraction_threshold, 2.0);
  EXPECT_EQ(s.extra.fields.size(), 2u);
}

TEST(Schema, PrintParsePrintIsAFixedPoint) {
  const std::string once = print_schema(parse_schema(kTfdvSchema));
  const std::string twice = print_schema(parse_schema(once));
  EXPECT_EQ(once, twice);
  // Fields Tern does not interpret survive.
  EXPECT_NE(once.find("tag: \"pii\""), std::string::npos);
  EXPECT_NE(once.find("not_in_environment: \"SERVING\""), std::string::npos);
  EXPECT_NE(once.find("shape {\n    dim {\n      size: 1\n    }\n  }"), std::string::npos) << once;
  EXPECT_NE(once.find("default_environment: \"TRAINING\""), std::string::npos);
}

TEST(Schema, StringEscapesRoundTrip) {
  Schema s;
  FeatureSchema f;
  f.name = "q\"uote\\d\nname";
  f.type = FeatureType::BYTES;
  f.string_domain = StringDomain{"", {"\xff\x01raw", "ok \xe2\x9c\x93"}, {}};
  s.features.push_back(f);
  const Schema back = parse_schema(print_schema(s));
  EXPECT_EQ(back.features[0].name, f.name);
  EXPECT_EQ(back.features[0].string_domain->values, f.string_domain->values);
}

TEST(Schema, ErrorsNameTheLocation) {
  struct Case {
    const char* text;
    const char* where;
  } cases[] = {
      {"feature {\n  name: \"a\"\n  type: INT\n", "s:4:1"},              // missing '}'
      {"feature {\n  name: \"a\"\n  type: STRING\n}\n", "s:3: feature.type"},
      {"feature {\n  name: \"a\" type: INT\n  int_domain { min: x1 }\n}\n", "s:3: feature.int_domain.min"},
      {"feature {\n  type: INT\n}\n", "s:1: feature: feature without a name"},
      {"feature { name: \"a\" type: INT domain: \"nope\" }\n", "refers to domain 'nope'"},
      {"feature { name: \"a\" type: INT }\nfeature { name: \"a\" type: INT }\n", "duplicate feature 'a'"},
      {"feature { name: \"unterminated }\n", "s:1:"},
      // Names TFDV's schema.proto does not have are refused, as TFDV refuses them.
      {"feature { name: \"a\" type: INT colour: 3 }\n", "s:1: feature.colour: unknown field (TFDV's schema.proto Feature"},
      {"featur { name: \"a\" type: INT }\n", "s:1: featur: unknown field (TFDV's schema.proto Schema"},
      {"feature { name: \"a\" type: INT int_domain { mni: 1 } }\n", "feature.int_domain.mni: unknown field"},
      {"feature { name: \"a\" type: INT skew_comparator { infinity_norm { treshold: 1 } } }\n",
       "infinity_norm.treshold: unknown field"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      parse_schema(c.text, "s");
      ADD_FAILURE() << "expected an error";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(c.where), std::string::npos) << e.what();
    }
  }
}

// Mutated schemas parse or fail with a ValueError; never anything else.
TEST(Schema, MutatedInputNeverCrashes) {
  std::mt19937 rng(13);
  const std::string base = kTfdvSchema;
  const char junk[] = {'{', '}', '"', ':', '\\', '#', '\n', 'x', '1', '<', '[', ',', '\''};
  int parsed = 0, rejected = 0;
  for (int trial = 0; trial < 500; ++trial) {
    std::string t = base;
    for (int k = 0; k < 3; ++k) {
      const size_t pos = rng() % t.size();
      if (rng() % 2) t.erase(pos, 1 + rng() % 8);
      else t.insert(pos, 1, junk[rng() % sizeof junk]);
    }
    try {
      print_schema(parse_schema(t));
      ++parsed;
    } catch (const ValueError&) {
      ++rejected;
    }
  }
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace tern::dv
