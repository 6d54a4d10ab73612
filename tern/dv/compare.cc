#include "tern/dv/compare.h"

#include <algorithm>
#include <cmath>

namespace tern::dv {

double linf_distance(const std::map<std::string, double>& p, const std::map<std::string, double>& q) {
  double sp = 0, sq = 0;
  for (const auto& kv : p) sp += kv.second;
  for (const auto& kv : q) sq += kv.second;
  if (sp <= 0 || sq <= 0) return (sp <= 0) == (sq <= 0) ? 0.0 : 1.0;
  double worst = 0;
  for (const auto& [k, v] : p) {
    auto it = q.find(k);
    const double other = it == q.end() ? 0.0 : it->second / sq;
    worst = std::max(worst, std::fabs(v / sp - other));
  }
  for (const auto& [k, v] : q)
    if (!p.count(k)) worst = std::max(worst, v / sq);
  return worst;
}

double jensen_shannon(const std::vector<double>& p, const std::vector<double>& q) {
  double sp = 0, sq = 0;
  for (double v : p) sp += v;
  for (double v : q) sq += v;
  if (sp <= 0 || sq <= 0) return (sp <= 0) == (sq <= 0) ? 0.0 : 1.0;
  const size_t n = std::max(p.size(), q.size());
  double d = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = i < p.size() ? p[i] / sp : 0.0;
    const double b = i < q.size() ? q[i] / sq : 0.0;
    const double m = 0.5 * (a + b);
    if (a > 0) d += 0.5 * a * std::log2(a / m);
    if (b > 0) d += 0.5 * b * std::log2(b / m);
  }
  return std::max(0.0, d);
}

std::map<std::string, double> value_counts(const FeatureStats& f) {
  std::map<std::string, double> out;
  if (f.type != FeatureType::BYTES && f.numeric_exact) {
    for (const auto& [v, c] : f.values) out[format_number(v)] += static_cast<double>(c);
    if (f.num_nan) out["nan"] += static_cast<double>(f.num_nan);
    return out;
  }
  for (const auto& [v, c] : f.top_values) out[v] += static_cast<double>(c);
  return out;
}

namespace {

// The fraction of values <= x, by linear interpolation between quantiles.
double cdf_from_quantiles(const std::vector<double>& q, double x) {
  const int n = static_cast<int>(q.size());
  if (x < q.front()) return 0.0;
  if (x >= q.back()) return 1.0;
  // Last index with q[i] <= x.
  const int i = static_cast<int>(std::upper_bound(q.begin(), q.end(), x) - q.begin()) - 1;
  const double lo = q[i], hi = q[i + 1];
  const double frac = hi > lo ? (x - lo) / (hi - lo) : 1.0;
  return (i + frac) / (n - 1);
}

}  // namespace

std::vector<double> rebin(const FeatureStats& f, double lo, double hi, int buckets) {
  std::vector<double> out(static_cast<size_t>(buckets), 0.0);
  if (f.num_numeric == 0) return out;
  const double width = (hi - lo) / buckets;
  auto bucket_of = [&](double v) {
    if (!(hi > lo)) return 0;
    return std::clamp(static_cast<int>(std::floor((v - lo) / width)), 0, buckets - 1);
  };
  if (f.numeric_exact && !f.values.empty()) {
    for (const auto& [v, c] : f.values) out[bucket_of(v)] += static_cast<double>(c);
    return out;
  }
  if (!(hi > lo) || f.quantiles.size() < 2) {
    out[0] = static_cast<double>(f.num_numeric);
    return out;
  }
  const double n = static_cast<double>(f.num_numeric);
  for (int b = 0; b < buckets; ++b) {
    const double a = cdf_from_quantiles(f.quantiles, lo + b * width);
    const double z = b + 1 == buckets ? 1.0 : cdf_from_quantiles(f.quantiles, lo + (b + 1) * width);
    out[b] = n * std::max(0.0, z - a);
  }
  return out;
}

double feature_linf(const FeatureStats& a, const FeatureStats& b) {
  const bool numeric = a.type != FeatureType::BYTES && b.type != FeatureType::BYTES;
  if (numeric && !(a.numeric_exact && b.numeric_exact)) {
    // Too many distinct values to compare one by one: compare buckets.
    const double lo = std::min(a.min, b.min), hi = std::max(a.max, b.max);
    const auto ha = rebin(a, lo, hi, kHistogramBuckets), hb = rebin(b, lo, hi, kHistogramBuckets);
    std::map<std::string, double> pa, pb;
    for (int i = 0; i < kHistogramBuckets; ++i) {
      pa[std::to_string(i)] = ha[i];
      pb[std::to_string(i)] = hb[i];
    }
    return linf_distance(pa, pb);
  }
  return linf_distance(value_counts(a), value_counts(b));
}

double feature_jensen_shannon(const FeatureStats& a, const FeatureStats& b, int buckets) {
  if (a.type == FeatureType::BYTES || b.type == FeatureType::BYTES) {
    // Categorical: JS over the union of values.
    const auto pa = value_counts(a), pb = value_counts(b);
    std::vector<double> va, vb;
    for (const auto& [k, v] : pa) {
      va.push_back(v);
      auto it = pb.find(k);
      vb.push_back(it == pb.end() ? 0.0 : it->second);
    }
    for (const auto& [k, v] : pb)
      if (!pa.count(k)) {
        va.push_back(0.0);
        vb.push_back(v);
      }
    return jensen_shannon(va, vb);
  }
  if (a.num_numeric == 0 || b.num_numeric == 0) return (a.num_numeric == 0) == (b.num_numeric == 0) ? 0.0 : 1.0;
  const double lo = std::min(a.min, b.min), hi = std::max(a.max, b.max);
  return jensen_shannon(rebin(a, lo, hi, buckets), rebin(b, lo, hi, buckets));
}

}  // namespace tern::dv
