// The schema: the reviewed expectations about the data. Read and written in
// TFDV's schema.proto text format for the fields below; any other field is
// kept as text and written back unchanged, so a schema can move between Tern
// and TFDV without losing what Tern does not interpret.
//
//   feature {
//     name: "age"  type: INT
//     presence { min_fraction: 1.0 min_count: 1 }
//     value_count { min: 1 max: 1 }
//     int_domain { min: 0 max: 120 }        # or float_domain / string_domain / domain: "name"
//     unique_constraints { min: 1 max: 100 }
//     skew_comparator { infinity_norm { threshold: 0.01 } }
//     drift_comparator { jensen_shannon_divergence { threshold: 0.1 } }
//   }
//   string_domain { name: "color" value: "red" value: "blue" }
//   dataset_constraints { min_examples_count: 100
//     num_examples_drift_comparator { min_fraction_threshold: 0.5 max_fraction_threshold: 2.0 } }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/dv/stats.h"
#include "tern/dv/textproto.h"

namespace tern::dv {

struct FeatureComparator {
  std::optional<double> infinity_norm;              // threshold on L-infinity distance
  std::optional<double> jensen_shannon_divergence;  // threshold on JS divergence
  TextMessage extra;
};

struct IntDomain {
  std::string name;
  std::optional<int64_t> min, max;
  bool is_categorical = false;
  TextMessage extra;
};

struct FloatDomain {
  std::string name;
  std::optional<double> min, max;
  bool disallow_nan = false, disallow_inf = false;
  TextMessage extra;
};

struct StringDomain {
  std::string name;
  std::vector<std::string> values;
  TextMessage extra;
};

struct Presence {
  std::optional<double> min_fraction;
  std::optional<int64_t> min_count;
};

struct Range {  // value_count and unique_constraints
  std::optional<int64_t> min, max;
};

struct FeatureSchema {
  std::string name;
  FeatureType type = FeatureType::BYTES;
  std::optional<Presence> presence;
  std::optional<Range> value_count;
  std::string domain;  // name of a top-level string_domain
  std::optional<IntDomain> int_domain;
  std::optional<FloatDomain> float_domain;
  std::optional<StringDomain> string_domain;
  std::optional<Range> unique_constraints;
  std::optional<FeatureComparator> skew_comparator, drift_comparator;
  TextMessage extra;
};

struct DatasetConstraints {
  std::optional<double> min_fraction_threshold, max_fraction_threshold;  // num_examples_drift_comparator
  std::optional<int64_t> min_examples_count, max_examples_count;
  TextMessage extra;
};

struct Schema {
  std::vector<FeatureSchema> features;
  std::vector<StringDomain> string_domains;
  std::optional<DatasetConstraints> dataset_constraints;
  TextMessage extra;

  const FeatureSchema* find(std::string_view name) const;
  FeatureSchema* find(std::string_view name);
  // The feature's string domain (inline or by `domain` reference), if any.
  const StringDomain* string_domain_of(const FeatureSchema& f) const;
};

// Throws tern::ValueError "<source>:line:column: what" on malformed input.
Schema parse_schema(std::string_view text, const std::string& source = "<schema>");
std::string print_schema(const Schema& s);

// Shortest text that reads back as the same double.
std::string format_double(double v);

}  // namespace tern::dv
