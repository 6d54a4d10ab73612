#include "tern/dv/infer.h"

#include <algorithm>
#include <cmath>

#include "tern/base/error.h"
#include "tern/dv/csv.h"

namespace tern::dv {

Schema infer_schema(const DatasetStats& stats, const InferOptions& options) {
  // Both distances lie in [0, 1]; a threshold outside (0, 1] flags
  // everything or nothing.
  const auto check = [](const std::optional<double>& t, const char* flag) {
    TERN_CHECK(!t || (std::isfinite(*t) && *t > 0 && *t <= 1), flag, ": expected a threshold in (0, 1], given ",
               t ? *t : 0.0);
  };
  check(options.skew_linf, "--skew-linf");
  check(options.skew_jsd, "--skew-jsd");
  check(options.drift_linf, "--drift-linf");
  check(options.drift_jsd, "--drift-jsd");
  TERN_CHECK(options.max_string_domain_size >= 0, "--max-domain: expected an integer >= 0, given ",
             options.max_string_domain_size);
  Schema s;
  for (const auto& f : stats.features) {
    FeatureSchema x;
    x.name = f.name;
    x.type = f.type;
    Presence p;
    p.min_count = 1;
    if (f.num_missing == 0 && f.num_present > 0) p.min_fraction = 1.0;
    x.presence = p;
    x.value_count = Range{1, 1};
    if (f.type == FeatureType::BYTES && f.strings_exact && f.num_invalid_utf8 == 0 && f.unique > 0 &&
        f.unique <= options.max_string_domain_size) {
      StringDomain d;
      d.name = f.name;
      for (const auto& [v, c] : f.top_values) d.values.push_back(v);
      std::sort(d.values.begin(), d.values.end());
      s.string_domains.push_back(std::move(d));
      x.domain = f.name;
    }
    const bool categorical = f.type == FeatureType::BYTES;
    auto comparator = [&](const std::optional<double>& linf, const std::optional<double>& jsd)
        -> std::optional<FeatureComparator> {
      FeatureComparator c;
      if (categorical && linf) c.infinity_norm = *linf;
      if (!categorical && jsd) c.jensen_shannon_divergence = *jsd;
      if (!c.infinity_norm && !c.jensen_shannon_divergence) return std::nullopt;
      return c;
    };
    x.skew_comparator = comparator(options.skew_linf, options.skew_jsd);
    x.drift_comparator = comparator(options.drift_linf, options.drift_jsd);
    s.features.push_back(std::move(x));
  }
  return s;
}

}  // namespace tern::dv
