#include "tern/dv/fuzz.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "tern/base/error.h"
#include "tern/base/philox.h"
#include "tern/dv/csv.h"

namespace tern::dv {

namespace {

// A value, or nullopt for a missing field.
using Cell = std::optional<std::string>;

std::string shortest(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

class FeatureFuzzer {
 public:
  FeatureFuzzer(const Schema& schema, const FeatureSchema& f, uint64_t seed, uint64_t stream)
      : f_(f), domain_(schema.string_domain_of(f)), seed_(seed ^ (stream * 0x9E3779B97F4A7C15ull)) {
    const auto* p = f.presence ? &*f.presence : nullptr;
    const double min_fraction = p && p->min_fraction ? *p->min_fraction : 0.0;
    // Leave values out at half the rate the schema tolerates (at most 10%).
    missing_rate_ = std::min(0.1, (1.0 - min_fraction) / 2);
    build_edges();
  }

  size_t edge_count() const { return edges_.size(); }
  Cell edge(size_t i) const { return edges_[i % edges_.size()]; }

  Cell random(int64_t row) {
    if (missing_rate_ > 0 && uniform() < missing_rate_) return std::nullopt;
    if (domain_ && !domain_->values.empty())
      return domain_->values[static_cast<size_t>(uniform() * domain_->values.size()) % domain_->values.size()];
    switch (f_.type) {
      case FeatureType::INT: {
        int64_t lo = -1000, hi = 1000;
        if (f_.int_domain && f_.int_domain->min) lo = *f_.int_domain->min;
        if (f_.int_domain && f_.int_domain->max) hi = *f_.int_domain->max;
        if (f_.int_domain && f_.int_domain->min && !f_.int_domain->max) hi = lo + 2000;
        if (f_.int_domain && !f_.int_domain->min && f_.int_domain->max) lo = hi - 2000;
        const double span = static_cast<double>(hi) - static_cast<double>(lo) + 1;
        int64_t v = lo + static_cast<int64_t>(std::floor(uniform() * span));
        return std::to_string(std::min(v, hi));
      }
      case FeatureType::FLOAT: {
        const auto* d = f_.float_domain ? &*f_.float_domain : nullptr;
        if (d && d->min && d->max) return shortest(*d->min + (*d->max - *d->min) * uniform());
        double v = 100.0 * normal();
        if (d && d->min) v = *d->min + std::fabs(v);
        if (d && d->max) v = *d->max - std::fabs(v);
        return shortest(v);
      }
      case FeatureType::BYTES: {
        static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        const int len = 1 + static_cast<int>(uniform() * 12);
        std::string s;
        for (int i = 0; i < len; ++i) s += kAlnum[static_cast<size_t>(uniform() * 62) % 62];
        return s;
      }
    }
    return std::nullopt;
  }

 private:
  double uniform() { return Philox::bits(seed_, counter_++) * (1.0 / 4294967296.0); }
  double normal() { return Philox::normal(seed_, counter_++); }

  void build_edges() {
    auto add = [&](Cell c) {
      for (const auto& e : edges_)
        if (e == c) return;
      edges_.push_back(std::move(c));
    };
    if (domain_ && !domain_->values.empty()) {
      for (const auto& v : domain_->values) add(v);
    } else if (f_.type == FeatureType::INT) {
      const auto* d = f_.int_domain ? &*f_.int_domain : nullptr;
      const int64_t lo = d && d->min ? *d->min : std::numeric_limits<int64_t>::min();
      const int64_t hi = d && d->max ? *d->max : std::numeric_limits<int64_t>::max();
      for (int64_t v : {lo, hi, int64_t{0}, int64_t{1}, int64_t{-1}})
        if (v >= lo && v <= hi) add(std::to_string(v));
      if (lo < hi) {
        add(std::to_string(lo + 1));
        add(std::to_string(hi - 1));
      }
    } else if (f_.type == FeatureType::FLOAT) {
      const auto* d = f_.float_domain ? &*f_.float_domain : nullptr;
      const double lo = d && d->min ? *d->min : -std::numeric_limits<double>::max();
      const double hi = d && d->max ? *d->max : std::numeric_limits<double>::max();
      const double dn = std::numeric_limits<double>::denorm_min();
      for (double v : {lo, hi, 0.0, -0.0, dn, -dn, 1.0, -1.0, std::nextafter(lo, hi), std::nextafter(hi, lo),
                       std::numeric_limits<double>::min(), 1e-300})
        if (v >= lo && v <= hi) add(shortest(v));
      if (!(d && d->disallow_nan)) add(std::string("nan"));
      if (!(d && d->disallow_inf) && !(d && (d->min || d->max))) {
        add(std::string("inf"));
        add(std::string("-inf"));
      }
    } else {
      for (const char* s : {"", " ", "a", "0", "-1", "comma,inside", "quote\"inside", "line\nbreak", "tab\tin",
                            "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80", "NULL", "none"})
        add(std::string(s));
      add(std::string(1000, 'x'));
    }
    if (missing_rate_ > 0) add(std::nullopt);
  }

  const FeatureSchema& f_;
  const StringDomain* domain_;
  uint64_t seed_;
  uint64_t counter_ = 0;
  double missing_rate_ = 0;
  std::vector<Cell> edges_;
};

}  // namespace

std::string fuzz_csv(const Schema& schema, const FuzzOptions& options) {
  TERN_CHECK(!schema.features.empty(), "cannot fuzz: the schema has no features");
  TERN_CHECK(options.n >= 0 && options.n <= 10000000, "--n: expected an integer in [0, 10^7], given ", options.n);
  std::vector<FeatureFuzzer> fuzzers;
  size_t edge_rows = 0;
  for (size_t i = 0; i < schema.features.size(); ++i) {
    fuzzers.emplace_back(schema, schema.features[i], options.seed, i + 1);
    edge_rows = std::max(edge_rows, fuzzers.back().edge_count());
  }
  const char d = options.delimiter;
  std::string out;
  for (size_t i = 0; i < schema.features.size(); ++i) {
    if (i) out += d;
    out += csv_escape(schema.features[i].name, d, true);
  }
  out += '\n';
  for (int64_t r = 0; r < options.n; ++r) {
    const bool edge = static_cast<size_t>(r) < edge_rows;
    for (size_t i = 0; i < fuzzers.size(); ++i) {
      if (i) out += d;
      // Edge rows shift per feature so edge cases meet in varied combinations.
      const Cell c = edge ? fuzzers[i].edge(static_cast<size_t>(r) + i) : fuzzers[i].random(r);
      if (c) out += csv_escape(*c, d, /*empty_is_present=*/true);
    }
    out += '\n';
  }
  return out;
}

}  // namespace tern::dv
