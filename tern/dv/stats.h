// Per-feature statistics of a dataset, as TFDV's analyser computes them:
// counts, missing, min/max/mean/std, quantiles, an equal-width histogram,
// top values and unique counts. A feature keeps its values exactly while it
// has at most kExactDistinct distinct ones and switches to sketches beyond,
// so memory does not grow with the number of rows.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tern/dv/sketch.h"

namespace tern::dv {

// TFDV's schema.proto types that a CSV column can have.
enum class FeatureType { INT, FLOAT, BYTES };
const char* type_name(FeatureType t);
FeatureType parse_type(std::string_view s);  // throws on an unknown name

inline constexpr int64_t kExactDistinct = 1000;
inline constexpr int kHistogramBuckets = 10;
inline constexpr int kQuantilePoints = 101;  // 0%, 1%, ..., 100%

struct FeatureStats {
  std::string name;
  FeatureType type = FeatureType::INT;
  int64_t num_present = 0;  // examples with a value
  int64_t num_missing = 0;  // examples with an empty field
  // How the present values parsed.
  int64_t num_int = 0, num_float = 0, num_string = 0;

  // Numeric summary over int and float values; NaN and +-inf are counted
  // apart and left out of the moments, quantiles and histogram.
  int64_t num_numeric = 0;
  int64_t num_nan = 0, num_inf = 0, num_zeros = 0;
  double min = 0, max = 0, mean = 0, std_dev = 0;
  bool numeric_exact = true;                         // values below are exact
  std::vector<std::pair<double, int64_t>> values;    // sorted (value, count) when exact
  std::vector<double> quantiles;                     // kQuantilePoints entries when num_numeric > 0
  std::vector<double> hist_edges;                    // kHistogramBuckets + 1
  std::vector<int64_t> hist_counts;                  // kHistogramBuckets

  // String summary (BYTES features; numeric values are folded in as text).
  bool strings_exact = true;
  int64_t unique = 0;  // distinct present values (estimated when !strings_exact)
  std::vector<std::pair<std::string, int64_t>> top_values;  // all when exact, else heaviest
  double avg_length = 0;
  int64_t num_invalid_utf8 = 0;
  int64_t first_invalid_utf8_line = 0;  // 0: none
  int64_t first_invalid_utf8_column = 0;
};

struct DatasetStats {
  std::string source;
  int64_t num_examples = 0;
  int64_t bytes = 0;       // input size, for throughput
  double seconds = 0;      // time to compute
  std::vector<FeatureStats> features;
  const FeatureStats* find(std::string_view name) const;
};

nlohmann::json to_json(const DatasetStats& s);
DatasetStats stats_from_json(const nlohmann::json& j);  // throws ValueError on a malformed file

// Accumulates one column. Not thread-safe: each thread owns its builders
// and they are merged afterwards.
class ColumnAccumulator {
 public:
  // A raw CSV field; `line`/`column` locate it for problem reports.
  void add_field(std::string_view v, bool quoted, int64_t line, int64_t column);
  void add_int(int64_t v);
  void add_missing() { ++missing_; }
  void merge(ColumnAccumulator& other);
  FeatureStats finish(std::string name) const;

 private:
  void add_number(double v, bool is_int);
  void add_string(std::string_view v, int64_t line, int64_t column);
  void spill_numbers();  // exact map -> sketch
  void spill_strings();  // exact map -> top-k + HyperLogLog

  int64_t present_ = 0, missing_ = 0;
  int64_t n_int_ = 0, n_float_ = 0, n_string_ = 0, n_nan_ = 0, n_inf_ = 0;
  // Integers in [0, kSmall) are counted in a flat array: the common case of
  // pixels, labels and small categories costs one increment.
  static constexpr int kSmall = 1024;
  std::vector<int64_t> small_;
  // Other numbers: exact counts until kExactDistinct, then a sketch.
  std::unordered_map<double, int64_t> exact_;
  std::unique_ptr<QuantileSketch> sketch_;
  std::unique_ptr<HyperLogLog> num_hll_;  // distinct numbers once spilled
  // Running moments of the numbers outside small_ (Welford).
  int64_t m_n_ = 0;
  double m_mean_ = 0, m_m2_ = 0, m_min_ = 0, m_max_ = 0;
  // Strings: exact counts until kExactDistinct, then top-k + HyperLogLog.
  std::unordered_map<std::string, int64_t> strings_;
  std::unique_ptr<TopK> topk_;
  std::unique_ptr<HyperLogLog> hll_;
  int64_t string_bytes_ = 0;
  int64_t invalid_utf8_ = 0, invalid_line_ = 0, invalid_column_ = 0;
};

// Accumulates all columns of a dataset.
class StatsBuilder {
 public:
  explicit StatsBuilder(size_t columns = 0) : columns_(columns) {}
  ColumnAccumulator& column(size_t i) { return columns_[i]; }
  size_t size() const { return columns_.size(); }
  void count_example() { ++examples_; }
  void merge(StatsBuilder& other);
  DatasetStats finish(const std::vector<std::string>& names) const;

 private:
  std::vector<ColumnAccumulator> columns_;
  int64_t examples_ = 0;
};

// Renders a number the way it is keyed in categorical distributions and
// written to CSV: integers without a decimal point, others in shortest form.
std::string format_number(double v);

}  // namespace tern::dv
