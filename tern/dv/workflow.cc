#include "tern/dv/workflow.h"

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/dv/infer.h"
#include "tern/dv/report.h"
#include "tern/dv/schema.h"
#include "tern/dv/sources.h"

namespace tern::dv {

Schema load_schema_file(const std::string& path) { return parse_schema(read_file(path), path); }

ValidationRun validate_data(const std::string& data, const std::string& schema_path, const std::string& previous,
                            const std::string& serving, const StatsOptions& options) {
  const Schema schema = load_schema_file(schema_path);
  ValidationRun r;
  r.stats = compute_stats(data, options);
  std::optional<DatasetStats> prev, serv;
  if (!previous.empty()) prev = compute_stats(previous, options);
  if (!serving.empty()) serv = compute_stats(serving, options);
  r.anomalies = validate_statistics(schema, r.stats, prev ? &*prev : nullptr, serv ? &*serv : nullptr);
  return r;
}

ReportRun write_report(const std::string& data, const std::string& against, const std::string& schema_path,
                       const std::string& out, const StatsOptions& options) {
  ReportRun r;
  r.stats = compute_stats(data, options);
  std::optional<DatasetStats> other;
  if (!against.empty()) other = compute_stats(against, options);
  std::vector<Anomaly> anomalies;
  if (!schema_path.empty()) {
    anomalies = validate_statistics(load_schema_file(schema_path), r.stats, other ? &*other : nullptr);
  } else if (other) {
    InferOptions o;
    o.drift_linf = 0.1;
    o.drift_jsd = 0.1;
    anomalies = validate_statistics(infer_schema(*other, o), r.stats, &*other);
  }
  write_file_atomic(out, render_report(r.stats, other ? &*other : nullptr, anomalies));
  r.anomalies = anomalies.size();
  return r;
}

int64_t export_dataset_csv(const std::string& spec, const std::string& out) {
  std::string split;
  if (spec != "fashion-mnist") {
    TERN_CHECK(spec.rfind("fashion-mnist:", 0) == 0, "export-csv supports fashion-mnist[:train|:test], got '", spec,
               "'");
    split = spec.substr(14);
  }
  return export_fashion_mnist_csv(split, out);
}

}  // namespace tern::dv
