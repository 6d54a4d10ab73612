// Schema inference: bootstraps a schema from statistics, as TFDV's
// infer_schema does. The result is meant to be reviewed and checked in.
#pragma once

#include <cstdint>
#include <optional>

#include "tern/dv/schema.h"
#include "tern/dv/stats.h"

namespace tern::dv {

struct InferOptions {
  // A BYTES feature with at most this many distinct values (all counted
  // exactly) gets a string_domain listing them.
  int64_t max_string_domain_size = 100;
  // When set, every feature gets the comparator: L-infinity for BYTES
  // features, Jensen-Shannon for numeric ones.
  std::optional<double> skew_linf, skew_jsd, drift_linf, drift_jsd;
};

// Per feature: the type seen (INT if all values are integers, FLOAT if all
// are numbers, else BYTES), presence (min_count 1; min_fraction 1 when no
// example missed it), value_count 1..1 and string domains. Numeric ranges
// are not inferred (as in TFDV): a range seen in one span is not a contract.
Schema infer_schema(const DatasetStats& stats, const InferOptions& options = {});

}  // namespace tern::dv
