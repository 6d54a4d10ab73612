// The data-validation steps behind `tern dv validate|report|export-csv`,
// each from file names to a result: statistics of the data (and of the
// previous span and serving data, when given), the schema, the anomalies.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tern/dv/sources.h"
#include "tern/dv/stats.h"
#include "tern/dv/validate.h"

namespace tern::dv {

// A schema.pbtxt file (TFDV's text format).
Schema load_schema_file(const std::string& path);

struct ValidationRun {
  DatasetStats stats;
  std::vector<Anomaly> anomalies;
};
// `data` against `schema_path`, with drift against `previous` and skew
// against `serving` where those are not empty.
ValidationRun validate_data(const std::string& data, const std::string& schema_path, const std::string& previous,
                            const std::string& serving, const StatsOptions& options);

struct ReportRun {
  DatasetStats stats;
  size_t anomalies = 0;
};
// Writes the HTML report of `data` (overlaid with `against`, if given) to
// `out`, atomically. Anomalies come from `schema_path` if given, else from
// a schema inferred from `against` with drift thresholds 0.1, else none.
ReportRun write_report(const std::string& data, const std::string& against, const std::string& schema_path,
                       const std::string& out, const StatsOptions& options);

// `spec` is fashion-mnist, fashion-mnist:train or fashion-mnist:test.
int64_t export_dataset_csv(const std::string& spec, const std::string& out);

}  // namespace tern::dv
