// Validation: checks statistics against the schema and, with the statistics
// of a previous span or of serving data, for drift and skew. Anomalies carry
// TFDV's anomaly type names (anomalies.proto) where one exists.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tern/dv/schema.h"
#include "tern/dv/stats.h"

namespace tern::dv {

struct Anomaly {
  std::string feature;      // empty for dataset-level anomalies
  std::string type;         // e.g. "FEATURE_TYPE_LOW_FRACTION_PRESENT"
  std::string description;  // what was expected and what was seen
  std::string fix;          // the schema change that would accept the data
  double measured = NAN;    // the distance or fraction that tripped, when one did
};

// `previous` (drift) and `serving` (skew) may be null.
std::vector<Anomaly> validate_statistics(const Schema& schema, const DatasetStats& stats,
                                         const DatasetStats* previous = nullptr,
                                         const DatasetStats* serving = nullptr);

nlohmann::json to_json(const std::vector<Anomaly>& anomalies);
std::string format_anomalies(const std::vector<Anomaly>& anomalies);

}  // namespace tern::dv
