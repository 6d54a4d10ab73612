#include "tern/dv/stats.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "tern/base/error.h"
#include "tern/base/parse.h"
#include "tern/dv/csv.h"

namespace tern::dv {

const char* type_name(FeatureType t) {
  switch (t) {
    case FeatureType::INT: return "INT";
    case FeatureType::FLOAT: return "FLOAT";
    case FeatureType::BYTES: return "BYTES";
  }
  return "?";
}

FeatureType parse_type(std::string_view s) {
  if (s == "INT") return FeatureType::INT;
  if (s == "FLOAT") return FeatureType::FLOAT;
  if (s == "BYTES") return FeatureType::BYTES;
  TERN_FAIL("feature type must be INT, FLOAT or BYTES, got '", s, "'");
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::trunc(v) && std::fabs(v) < 9.007199254740992e15) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

// Parses an optionally signed decimal integer of up to 18 digits.
bool parse_int(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  const size_t digits = s.size() - i;
  if (digits == 0) return false;
  if (digits > 18) {  // may overflow: let from_chars judge
    if (s[0] == '+') s.remove_prefix(1);
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  *out = neg ? -v : v;
  return true;
}

bool parse_double(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  if (*b == '+') ++b;  // from_chars refuses a leading '+'
  auto r = std::from_chars(b, s.data() + s.size(), *out);
  if (r.ptr != s.data() + s.size()) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // A number too large or too small for a double: +-inf or 0, as strtod says.
    *out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
  }
  return r.ec == std::errc();
}

uint64_t hash_double(double v) {
  uint64_t h = std::bit_cast<uint64_t>(v == 0 ? 0.0 : v);  // -0 and 0 are one value
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

}  // namespace

void ColumnAccumulator::add_field(std::string_view v, bool quoted, int64_t line, int64_t column) {
  if (v.empty() && !quoted) {
    ++missing_;
    return;
  }
  int64_t i;
  if (parse_int(v, &i)) {
    add_int(i);
    return;
  }
  ++present_;
  double d;
  if (parse_double(v, &d)) add_number(d, false);
  else add_string(v, line, column);
}

void ColumnAccumulator::add_int(int64_t v) {
  if (v >= 0 && v < kSmall) {
    if (small_.empty()) small_.assign(kSmall, 0);
    ++small_[static_cast<size_t>(v)];
    ++present_;
    ++n_int_;
    return;
  }
  ++present_;
  add_number(static_cast<double>(v), true);
}

void ColumnAccumulator::add_number(double v, bool is_int) {
  ++(is_int ? n_int_ : n_float_);
  if (std::isnan(v)) { ++n_nan_; return; }
  if (std::isinf(v)) { ++n_inf_; return; }
  if (m_n_ == 0) m_min_ = m_max_ = v;
  m_min_ = std::min(m_min_, v);
  m_max_ = std::max(m_max_, v);
  ++m_n_;
  const double delta = v - m_mean_;
  m_mean_ += delta / static_cast<double>(m_n_);
  m_m2_ += delta * (v - m_mean_);
  if (sketch_) {
    sketch_->add(v);
    num_hll_->add_hash(hash_double(v));
    return;
  }
  ++exact_[v == 0 ? 0.0 : v];
  if (static_cast<int64_t>(exact_.size()) > kExactDistinct) spill_numbers();
}

void ColumnAccumulator::spill_numbers() {
  sketch_ = std::make_unique<QuantileSketch>();
  num_hll_ = std::make_unique<HyperLogLog>();
  for (const auto& [v, c] : exact_) {
    sketch_->add(v, c);
    num_hll_->add_hash(hash_double(v));
  }
  exact_.clear();
}

void ColumnAccumulator::add_string(std::string_view v, int64_t line, int64_t column) {
  ++n_string_;
  string_bytes_ += static_cast<int64_t>(v.size());
  if (!valid_utf8(v)) {
    if (invalid_utf8_ == 0 || line < invalid_line_) {
      invalid_line_ = line;
      invalid_column_ = column;
    }
    ++invalid_utf8_;
  }
  if (topk_) {
    topk_->add(v);
    hll_->add(v);
    return;
  }
  ++strings_[std::string(v)];
  if (static_cast<int64_t>(strings_.size()) > kExactDistinct) spill_strings();
}

void ColumnAccumulator::spill_strings() {
  topk_ = std::make_unique<TopK>();
  hll_ = std::make_unique<HyperLogLog>();
  for (const auto& [s, c] : strings_) {
    topk_->add(s, c);
    hll_->add(s);
  }
  strings_.clear();
}

void ColumnAccumulator::merge(ColumnAccumulator& o) {
  present_ += o.present_;
  missing_ += o.missing_;
  n_int_ += o.n_int_;
  n_float_ += o.n_float_;
  n_string_ += o.n_string_;
  n_nan_ += o.n_nan_;
  n_inf_ += o.n_inf_;
  if (!o.small_.empty()) {
    if (small_.empty()) small_.assign(kSmall, 0);
    for (int i = 0; i < kSmall; ++i) small_[i] += o.small_[i];
  }
  // Moments and range (Chan et al.'s pairwise update).
  if (o.m_n_ > 0) {
    if (m_n_ == 0) {
      m_min_ = o.m_min_;
      m_max_ = o.m_max_;
    }
    m_min_ = std::min(m_min_, o.m_min_);
    m_max_ = std::max(m_max_, o.m_max_);
    const double n = static_cast<double>(m_n_ + o.m_n_);
    const double delta = o.m_mean_ - m_mean_;
    m_m2_ += o.m_m2_ + delta * delta * static_cast<double>(m_n_) * static_cast<double>(o.m_n_) / n;
    m_mean_ += delta * static_cast<double>(o.m_n_) / n;
    m_n_ += o.m_n_;
  }
  // Numbers: stay exact only if both are and the union is small enough.
  if (o.sketch_ && !sketch_) spill_numbers();
  if (sketch_) {
    if (o.sketch_) {
      sketch_->merge(*o.sketch_);
      num_hll_->merge(*o.num_hll_);
    }
    for (const auto& [v, c] : o.exact_) {
      sketch_->add(v, c);
      num_hll_->add_hash(hash_double(v));
    }
  } else {
    for (const auto& [v, c] : o.exact_) exact_[v] += c;
    if (static_cast<int64_t>(exact_.size()) > kExactDistinct) spill_numbers();
  }
  // Strings, the same way.
  string_bytes_ += o.string_bytes_;
  if (o.invalid_utf8_ > 0 && (invalid_utf8_ == 0 || o.invalid_line_ < invalid_line_)) {
    invalid_line_ = o.invalid_line_;
    invalid_column_ = o.invalid_column_;
  }
  invalid_utf8_ += o.invalid_utf8_;
  if (o.topk_ && !topk_) spill_strings();
  if (topk_) {
    if (o.topk_) {
      topk_->merge(*o.topk_);
      hll_->merge(*o.hll_);
    }
    for (const auto& [s, c] : o.strings_) {
      topk_->add(s, c);
      hll_->add(s);
    }
  } else {
    for (const auto& [s, c] : o.strings_) strings_[s] += c;
    if (static_cast<int64_t>(strings_.size()) > kExactDistinct) spill_strings();
  }
}

FeatureStats ColumnAccumulator::finish(std::string name) const {
  FeatureStats f;
  f.name = std::move(name);
  f.num_present = present_;
  f.num_missing = missing_;
  f.num_int = n_int_;
  f.num_float = n_float_;
  f.num_string = n_string_;
  f.num_nan = n_nan_;
  f.num_inf = n_inf_;
  f.type = n_string_ > 0 ? FeatureType::BYTES : (n_float_ > 0 ? FeatureType::FLOAT : FeatureType::INT);

  // Numeric distribution: (value, weight) pairs, exact or from the sketch.
  std::vector<std::pair<double, int64_t>> dist;
  int64_t small_distinct = 0;
  if (!small_.empty())
    for (int i = 0; i < kSmall; ++i)
      if (small_[i] > 0) {
        dist.emplace_back(i, small_[i]);
        ++small_distinct;
      }
  f.numeric_exact = !sketch_;
  if (sketch_) {
    auto items = sketch_->items();
    dist.insert(dist.end(), items.begin(), items.end());
  } else {
    dist.insert(dist.end(), exact_.begin(), exact_.end());
  }
  std::sort(dist.begin(), dist.end());
  // Moments: small integers exactly, combined with the Welford part.
  int64_t n = m_n_;
  double mean = m_mean_, m2 = m_m2_, lo = m_min_, hi = m_max_;
  for (int i = 0; i < (small_.empty() ? 0 : kSmall); ++i) {
    const int64_t c = small_[i];
    if (c == 0) continue;
    const double v = i;
    if (n == 0) lo = hi = v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    const double tot = static_cast<double>(n + c);
    const double delta = v - mean;
    m2 += delta * delta * static_cast<double>(n) * static_cast<double>(c) / tot;
    mean += delta * static_cast<double>(c) / tot;
    n += c;
  }
  f.num_numeric = n;
  if (n > 0) {
    f.min = lo;
    f.max = hi;
    f.mean = mean;
    f.std_dev = std::sqrt(std::max(0.0, m2 / static_cast<double>(n)));
    if (f.numeric_exact) {
      // Two passes over the sorted distinct values: deterministic whatever
      // the thread count or block size, and more accurate than Welford.
      double sum = 0;
      for (const auto& d : dist) sum += d.first * static_cast<double>(d.second);
      f.mean = sum / static_cast<double>(n);
      double ss = 0;
      for (const auto& d : dist) ss += (d.first - f.mean) * (d.first - f.mean) * static_cast<double>(d.second);
      f.std_dev = std::sqrt(ss / static_cast<double>(n));
    }
    int64_t total = 0;
    for (const auto& d : dist) total += d.second;
    for (const auto& d : dist)
      if (d.first == 0) f.num_zeros += d.second;
    if (f.numeric_exact) f.values = dist;
    // Quantile q: the smallest value whose cumulative weight reaches q*total.
    f.quantiles.resize(kQuantilePoints);
    size_t j = 0;
    int64_t cum = dist.empty() ? 0 : dist[0].second;
    for (int k = 0; k < kQuantilePoints; ++k) {
      const double target = std::max(1.0, static_cast<double>(total) * k / (kQuantilePoints - 1));
      while (static_cast<double>(cum) < target && j + 1 < dist.size()) cum += dist[++j].second;
      f.quantiles[k] = dist[j].first;
    }
    f.quantiles.front() = lo;  // the sketch may have dropped the extremes
    f.quantiles.back() = hi;
    f.hist_edges.resize(kHistogramBuckets + 1);
    for (int b = 0; b <= kHistogramBuckets; ++b) f.hist_edges[b] = lo + (hi - lo) * b / kHistogramBuckets;
    f.hist_edges.back() = hi;
    f.hist_counts.assign(kHistogramBuckets, 0);
    for (const auto& d : dist) {
      // In double and clamped before the cast: an infinite lo or hi makes the
      // position NaN or infinite, and casting those to int is undefined.
      const double at = hi > lo ? (d.first - lo) / (hi - lo) * kHistogramBuckets : 0.0;
      const int b = std::isnan(at) ? 0 : static_cast<int>(std::clamp(at, 0.0, kHistogramBuckets - 1.0));
      f.hist_counts[b] += d.second;
    }
  }

  // String view of the values: strings plus numbers rendered as text.
  f.strings_exact = !topk_ && !sketch_;
  std::map<std::string, int64_t> merged;
  std::vector<std::pair<std::string, int64_t>> top;
  if (topk_) top = topk_->top();
  else top.assign(strings_.begin(), strings_.end());
  if (f.type == FeatureType::BYTES) {
    for (auto& t : top) merged[t.first] += t.second;
    if (f.numeric_exact)
      for (const auto& d : dist) merged[format_number(d.first)] += d.second;
    if (n_nan_) merged["nan"] += n_nan_;
    top.assign(merged.begin(), merged.end());
  } else {
    top.clear();
    for (const auto& d : dist) top.emplace_back(format_number(d.first), d.second);
  }
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  // Distinct count: exact parts plus the HyperLogLog estimates.
  double unique = small_distinct;
  unique += sketch_ ? num_hll_->estimate() : static_cast<double>(exact_.size());
  if (f.type == FeatureType::BYTES) unique += topk_ ? hll_->estimate() : static_cast<double>(strings_.size());
  f.unique = static_cast<int64_t>(std::llround(unique));
  if (f.type != FeatureType::BYTES && top.size() > 20) top.resize(20);  // numbers keep `values`
  f.top_values = std::move(top);
  f.avg_length = n_string_ > 0 ? static_cast<double>(string_bytes_) / static_cast<double>(n_string_) : 0;
  f.num_invalid_utf8 = invalid_utf8_;
  f.first_invalid_utf8_line = invalid_line_;
  f.first_invalid_utf8_column = invalid_column_;
  return f;
}

void StatsBuilder::merge(StatsBuilder& other) {
  TERN_ASSERT(other.columns_.size() == columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) columns_[i].merge(other.columns_[i]);
  examples_ += other.examples_;
}

DatasetStats StatsBuilder::finish(const std::vector<std::string>& names) const {
  TERN_ASSERT(names.size() == columns_.size());
  DatasetStats s;
  s.num_examples = examples_;
  for (size_t i = 0; i < columns_.size(); ++i) s.features.push_back(columns_[i].finish(names[i]));
  return s;
}

const FeatureStats* DatasetStats::find(std::string_view name) const {
  for (const auto& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

// JSON numbers cannot hold NaN or inf; write them as strings.
namespace {
nlohmann::json num(double v) {
  if (std::isfinite(v)) return v;
  return format_number(v);
}
double get_num(const nlohmann::json& j) {
  if (!j.is_string()) return j.get<double>();
  const std::string t = j.get<std::string>();  // what num() writes for non-finite values
  if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (t == "inf") return std::numeric_limits<double>::infinity();
  if (t == "-inf") return -std::numeric_limits<double>::infinity();
  return tern::parse_double(t, "stats number");
}
// A count: an integer in [0, 2^62] (negative or fractional counts are a
// damaged or hand-made file, and would poison every ratio computed later).
int64_t get_count(const nlohmann::json& j, const char* key) {
  const nlohmann::json& v = j.at(key);
  TERN_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= (int64_t{1} << 62), "'", key,
             "' must be a non-negative integer, got ", v.dump());
  return v.get<int64_t>();
}
}  // namespace

nlohmann::json to_json(const DatasetStats& s) {
  nlohmann::json j;
  j["format"] = "tern.dv.stats/1";
  j["source"] = s.source;
  j["num_examples"] = s.num_examples;
  j["bytes"] = s.bytes;
  j["seconds"] = s.seconds;
  auto& feats = j["features"] = nlohmann::json::array();
  for (const auto& f : s.features) {
    nlohmann::json x;
    x["name"] = f.name;
    x["type"] = type_name(f.type);
    x["num_present"] = f.num_present;
    x["num_missing"] = f.num_missing;
    x["num_int"] = f.num_int;
    x["num_float"] = f.num_float;
    x["num_string"] = f.num_string;
    if (f.type != FeatureType::BYTES || f.num_numeric > 0) {
      nlohmann::json n;
      n["count"] = f.num_numeric;
      n["num_nan"] = f.num_nan;
      n["num_inf"] = f.num_inf;
      n["num_zeros"] = f.num_zeros;
      n["min"] = num(f.min);
      n["max"] = num(f.max);
      n["mean"] = num(f.mean);
      n["std_dev"] = num(f.std_dev);
      n["exact"] = f.numeric_exact;
      n["quantiles"] = nlohmann::json::array();
      for (double q : f.quantiles) n["quantiles"].push_back(num(q));
      n["histogram"] = {{"edges", nlohmann::json::array()}, {"counts", f.hist_counts}};
      for (double e : f.hist_edges) n["histogram"]["edges"].push_back(num(e));
      auto& vals = n["values"] = nlohmann::json::array();
      for (const auto& [v, c] : f.values) vals.push_back({num(v), c});
      x["numeric"] = std::move(n);
    }
    nlohmann::json st;
    st["exact"] = f.strings_exact;
    st["unique"] = f.unique;
    st["avg_length"] = f.avg_length;
    st["num_invalid_utf8"] = f.num_invalid_utf8;
    st["first_invalid_utf8"] = {f.first_invalid_utf8_line, f.first_invalid_utf8_column};
    auto& top = st["top_values"] = nlohmann::json::array();
    for (const auto& [v, c] : f.top_values) {
      // Invalid UTF-8 cannot go into JSON as is; escape the bytes.
      top.push_back({valid_utf8(v) ? v : std::string("<invalid utf-8>"), c});
    }
    x["string"] = std::move(st);
    feats.push_back(std::move(x));
  }
  return j;
}

DatasetStats stats_from_json(const nlohmann::json& j) {
  try {
    TERN_CHECK(j.value("format", "") == "tern.dv.stats/1", "expected a tern dv stats file (format tern.dv.stats/1)");
    DatasetStats s;
    s.source = j.at("source").get<std::string>();
    s.num_examples = get_count(j, "num_examples");
    s.bytes = j.value("bytes", int64_t{0});
    s.seconds = j.value("seconds", 0.0);
    for (const auto& x : j.at("features")) {
      FeatureStats f;
      f.name = x.at("name").get<std::string>();
      f.type = parse_type(x.at("type").get<std::string>());
      f.num_present = get_count(x, "num_present");
      f.num_missing = get_count(x, "num_missing");
      f.num_int = get_count(x, "num_int");
      f.num_float = get_count(x, "num_float");
      f.num_string = get_count(x, "num_string");
      if (x.contains("numeric")) {
        const auto& n = x["numeric"];
        f.num_numeric = get_count(n, "count");
        f.num_nan = get_count(n, "num_nan");
        f.num_inf = get_count(n, "num_inf");
        f.num_zeros = get_count(n, "num_zeros");
        f.min = get_num(n.at("min"));
        f.max = get_num(n.at("max"));
        f.mean = get_num(n.at("mean"));
        f.std_dev = get_num(n.at("std_dev"));
        f.numeric_exact = n.at("exact").get<bool>();
        for (const auto& q : n.at("quantiles")) f.quantiles.push_back(get_num(q));
        for (const auto& e : n.at("histogram").at("edges")) f.hist_edges.push_back(get_num(e));
        f.hist_counts = n.at("histogram").at("counts").get<std::vector<int64_t>>();
        for (const auto& v : n.at("values")) f.values.emplace_back(get_num(v.at(0)), v.at(1).get<int64_t>());
        TERN_CHECK(f.hist_counts.empty() || f.hist_edges.size() == f.hist_counts.size() + 1, "feature ", quote(f.name),
                   ": a histogram of ", f.hist_counts.size(), " buckets needs ", f.hist_counts.size() + 1,
                   " edges, got ", f.hist_edges.size());
        int64_t in_buckets = 0;
        for (int64_t c : f.hist_counts) {
          TERN_CHECK(c >= 0, "feature ", quote(f.name), ": histogram counts must be >= 0, got ", c);
          in_buckets += c;
        }
        TERN_CHECK(in_buckets <= f.num_numeric, "feature ", quote(f.name), ": the histogram holds ", in_buckets,
                   " values but 'count' is ", f.num_numeric);
      }
      TERN_CHECK(f.num_present + f.num_missing == s.num_examples, "feature ", quote(f.name), ": num_present ",
                 f.num_present, " + num_missing ", f.num_missing, " should equal num_examples ", s.num_examples);
      const auto& st = x.at("string");
      f.strings_exact = st.at("exact").get<bool>();
      f.unique = get_count(st, "unique");
      f.avg_length = st.at("avg_length").get<double>();
      f.num_invalid_utf8 = get_count(st, "num_invalid_utf8");
      f.first_invalid_utf8_line = st.at("first_invalid_utf8").at(0).get<int64_t>();
      f.first_invalid_utf8_column = st.at("first_invalid_utf8").at(1).get<int64_t>();
      for (const auto& v : st.at("top_values")) f.top_values.emplace_back(v.at(0).get<std::string>(), v.at(1).get<int64_t>());
      s.features.push_back(std::move(f));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    TERN_FAIL("malformed stats file: ", e.what());
  } catch (const ValueError& e) {
    TERN_FAIL("malformed stats file: ", e.what());
  }
}

}  // namespace tern::dv
