#include "tern/dv/infer.h"

#include <algorithm>

#include "tern/dv/csv.h"

namespace tern::dv {

Schema infer_schema(const DatasetStats& stats, const InferOptions& options) {
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
