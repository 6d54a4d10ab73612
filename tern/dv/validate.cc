#include "tern/dv/validate.h"

#include <algorithm>
#include <set>

#include "tern/base/error.h"
#include "tern/dv/compare.h"
#include "tern/dv/csv.h"

namespace tern::dv {

namespace {

std::string fmt(double v) { return format_double(v); }

class Validator {
 public:
  Validator(const Schema& schema, const DatasetStats& stats) : schema_(schema), stats_(stats) {}
  std::vector<Anomaly> out;

  void add(std::string feature, std::string type, std::string description, std::string fix, double measured = NAN) {
    out.push_back({std::move(feature), std::move(type), std::move(description), std::move(fix), measured});
  }

  void dataset(const DatasetStats* previous) {
    if (!schema_.dataset_constraints) return;
    const auto& d = *schema_.dataset_constraints;
    const int64_t n = stats_.num_examples;
    if (d.min_examples_count && n < *d.min_examples_count)
      add("", "DATASET_LOW_NUM_EXAMPLES", str_cat("expected at least ", *d.min_examples_count, " examples, got ", n),
          str_cat("dataset_constraints { min_examples_count: ", n, " }"), static_cast<double>(n));
    if (d.max_examples_count && n > *d.max_examples_count)
      add("", "DATASET_HIGH_NUM_EXAMPLES", str_cat("expected at most ", *d.max_examples_count, " examples, got ", n),
          str_cat("dataset_constraints { max_examples_count: ", n, " }"), static_cast<double>(n));
    if (previous && previous->num_examples > 0) {
      const double ratio = static_cast<double>(n) / static_cast<double>(previous->num_examples);
      if (d.min_fraction_threshold && ratio < *d.min_fraction_threshold)
        add("", "COMPARATOR_LOW_NUM_EXAMPLES",
            str_cat("example count fell to ", fmt(ratio), " of the previous span's (", n, " vs ", previous->num_examples,
                    "), below min_fraction_threshold ", fmt(*d.min_fraction_threshold)),
            str_cat("num_examples_drift_comparator { min_fraction_threshold: ", fmt(ratio), " }"), ratio);
      if (d.max_fraction_threshold && ratio > *d.max_fraction_threshold)
        add("", "COMPARATOR_HIGH_NUM_EXAMPLES",
            str_cat("example count grew to ", fmt(ratio), " times the previous span's (", n, " vs ",
                    previous->num_examples, "), above max_fraction_threshold ", fmt(*d.max_fraction_threshold)),
            str_cat("num_examples_drift_comparator { max_fraction_threshold: ", fmt(ratio), " }"), ratio);
    }
  }

  void feature(const FeatureSchema& fs, const FeatureStats& f) {
    const std::string& name = fs.name;
    const double n = static_cast<double>(stats_.num_examples);
    // Presence.
    if (fs.presence) {
      const double frac = n > 0 ? static_cast<double>(f.num_present) / n : 0.0;
      if (fs.presence->min_fraction && frac < *fs.presence->min_fraction - 1e-12)
        add(name, "FEATURE_TYPE_LOW_FRACTION_PRESENT",
            str_cat("present in ", fmt(frac), " of examples (", f.num_present, " of ", stats_.num_examples,
                    "), expected at least ", fmt(*fs.presence->min_fraction)),
            str_cat("presence { min_fraction: ", fmt(frac), " }"), frac);
      if (fs.presence->min_count && f.num_present < *fs.presence->min_count)
        add(name, "FEATURE_TYPE_LOW_NUMBER_PRESENT",
            str_cat("present in ", f.num_present, " examples, expected at least ", *fs.presence->min_count),
            str_cat("presence { min_count: ", f.num_present, " }"), static_cast<double>(f.num_present));
    }
    // Valency: a CSV field holds exactly one value when present.
    if (fs.value_count && f.num_present > 0) {
      if (fs.value_count->min && *fs.value_count->min > 1)
        add(name, "FEATURE_TYPE_LOW_NUMBER_VALUES",
            str_cat("examples have 1 value, expected at least ", *fs.value_count->min),
            "value_count { min: 1 }", 1.0);
      if (fs.value_count->max && *fs.value_count->max < 1)
        add(name, "FEATURE_TYPE_HIGH_NUMBER_VALUES",
            str_cat("examples have 1 value, expected at most ", *fs.value_count->max), "value_count { max: 1 }", 1.0);
    }
    // Type.
    const int64_t n_nonint = f.num_float, n_str = f.num_string;
    if (fs.type == FeatureType::INT && n_str > 0)
      add(name, "INT_TYPE_NOT_INT_STRING",
          str_cat(n_str, " values are not numbers (e.g. '", example_string(f), "'), expected INT"), "type: BYTES",
          static_cast<double>(n_str));
    else if (fs.type == FeatureType::INT && n_nonint > 0)
      add(name, "UNEXPECTED_DATA_TYPE", str_cat(n_nonint, " values are not integers, expected INT"), "type: FLOAT",
          static_cast<double>(n_nonint));
    if (fs.type == FeatureType::FLOAT && n_str > 0)
      add(name, "FLOAT_TYPE_STRING_NOT_FLOAT",
          str_cat(n_str, " values are not numbers (e.g. '", example_string(f), "'), expected FLOAT"), "type: BYTES",
          static_cast<double>(n_str));
    // Numeric domains (over the values that are numbers).
    if (fs.int_domain && f.num_numeric > 0) {
      const auto& d = *fs.int_domain;
      if (d.min && f.min < static_cast<double>(*d.min))
        add(name, "INT_TYPE_SMALL_INT", str_cat("min value ", fmt(f.min), " is below int_domain min ", *d.min),
            str_cat("int_domain { min: ", format_number(std::floor(f.min)), " }"), f.min);
      if (d.max && f.max > static_cast<double>(*d.max))
        add(name, "INT_TYPE_BIG_INT", str_cat("max value ", fmt(f.max), " is above int_domain max ", *d.max),
            str_cat("int_domain { max: ", format_number(std::ceil(f.max)), " }"), f.max);
    }
    if (fs.float_domain) {
      const auto& d = *fs.float_domain;
      if (f.num_numeric > 0 && d.min && f.min < *d.min)
        add(name, "FLOAT_TYPE_SMALL_FLOAT", str_cat("min value ", fmt(f.min), " is below float_domain min ", fmt(*d.min)),
            str_cat("float_domain { min: ", fmt(f.min), " }"), f.min);
      if (f.num_numeric > 0 && d.max && f.max > *d.max)
        add(name, "FLOAT_TYPE_BIG_FLOAT", str_cat("max value ", fmt(f.max), " is above float_domain max ", fmt(*d.max)),
            str_cat("float_domain { max: ", fmt(f.max), " }"), f.max);
      if (d.disallow_nan && f.num_nan > 0)
        add(name, "FLOAT_TYPE_HAS_NAN", str_cat(f.num_nan, " values are NaN, and float_domain disallows NaN"),
            "float_domain { disallow_nan: false }", static_cast<double>(f.num_nan));
      if (d.disallow_inf && f.num_inf > 0)
        add(name, "FLOAT_TYPE_HAS_INF", str_cat(f.num_inf, " values are infinite, and float_domain disallows inf"),
            "float_domain { disallow_inf: false }", static_cast<double>(f.num_inf));
    }
    // String domain.
    if (const StringDomain* d = schema_.string_domain_of(fs)) {
      const std::set<std::string> allowed(d->values.begin(), d->values.end());
      std::vector<std::string> unexpected;
      int64_t count = 0;
      for (const auto& [v, c] : f.top_values)
        if (!allowed.count(v)) {
          unexpected.push_back(v);
          count += c;
        }
      if (!unexpected.empty()) {
        std::string list, fix;
        for (size_t i = 0; i < unexpected.size(); ++i) {
          if (i < 5) list += (i ? ", '" : "'") + unexpected[i] + "'";
          fix += " value: \"" + escape_text_string(unexpected[i]) + "\"";
        }
        if (unexpected.size() > 5) list += str_cat(" and ", unexpected.size() - 5, " more");
        add(name, "ENUM_TYPE_UNEXPECTED_STRING_VALUES",
            str_cat(count, " values outside the domain '", d->name.empty() ? name : d->name, "': ", list),
            str_cat("string_domain {", d->name.empty() ? "" : " name: \"" + d->name + "\"", fix, " }"),
            static_cast<double>(count));
      }
    }
    if (f.num_invalid_utf8 > 0)
      add(name, "ENUM_TYPE_INVALID_UTF8",
          str_cat(f.num_invalid_utf8, " values are not valid UTF-8 (first at line ", f.first_invalid_utf8_line,
                  ", column ", f.first_invalid_utf8_column, ")"),
          "none: fix the data (a schema cannot accept invalid UTF-8 strings)", static_cast<double>(f.num_invalid_utf8));
    // Distinct values.
    if (fs.unique_constraints) {
      const auto& u = *fs.unique_constraints;
      if (u.min && f.unique < *u.min)
        add(name, "FEATURE_TYPE_LOW_UNIQUE", str_cat(f.unique, " distinct values, expected at least ", *u.min),
            str_cat("unique_constraints { min: ", f.unique, " }"), static_cast<double>(f.unique));
      if (u.max && f.unique > *u.max)
        add(name, "FEATURE_TYPE_HIGH_UNIQUE", str_cat(f.unique, " distinct values, expected at most ", *u.max),
            str_cat("unique_constraints { max: ", f.unique, " }"), static_cast<double>(f.unique));
    }
  }

  // Drift (current vs previous span) or skew (training vs serving).
  void compare(const FeatureSchema& fs, const FeatureStats& control, const FeatureStats& treatment,
               const FeatureComparator& c, const char* what, const char* comparator) {
    if (c.infinity_norm) {
      const double d = feature_linf(control, treatment);
      if (d > *c.infinity_norm)
        add(fs.name, "COMPARATOR_L_INFTY_HIGH",
            str_cat("L-infinity distance between ", what, " is ", fmt(d), ", above the threshold ", fmt(*c.infinity_norm)),
            str_cat(comparator, " { infinity_norm { threshold: ", fmt(d), " } }"), d);
    }
    if (c.jensen_shannon_divergence) {
      const double d = feature_jensen_shannon(control, treatment);
      if (d > *c.jensen_shannon_divergence)
        add(fs.name, "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH",
            str_cat("Jensen-Shannon divergence between ", what, " is ", fmt(d), ", above the threshold ",
                    fmt(*c.jensen_shannon_divergence)),
            str_cat(comparator, " { jensen_shannon_divergence { threshold: ", fmt(d), " } }"), d);
    }
  }

 private:
  static std::string example_string(const FeatureStats& f) {
    // top_values mixes numbers and strings for BYTES stats; pick one that is not a number.
    for (const auto& [v, c] : f.top_values) {
      char* end = nullptr;
      std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0') return valid_utf8(v) ? v : "<invalid utf-8>";
    }
    return f.top_values.empty() ? "" : f.top_values.front().first;
  }

  const Schema& schema_;
  const DatasetStats& stats_;
};

}  // namespace

std::vector<Anomaly> validate_statistics(const Schema& schema, const DatasetStats& stats, const DatasetStats* previous,
                                         const DatasetStats* serving) {
  Validator v(schema, stats);
  if (stats.num_examples == 0) {
    // Nothing else can be judged on an empty span.
    v.add("", "NO_DATA_IN_SPAN", "the data has no examples", "none: the data is empty");
    return v.out;
  }
  v.dataset(previous);
  for (const auto& f : stats.features)
    if (!schema.find(f.name))
      v.add(f.name, "SCHEMA_NEW_COLUMN", str_cat("new column '", f.name, "' (", type_name(f.type), ") is not in the schema"),
            str_cat("feature { name: \"", escape_text_string(f.name), "\" type: ", type_name(f.type), " }"));
  for (const auto& fs : schema.features) {
    const FeatureStats* f = stats.find(fs.name);
    if (!f) {
      const bool required = fs.presence && ((fs.presence->min_count && *fs.presence->min_count > 0) ||
                                            (fs.presence->min_fraction && *fs.presence->min_fraction > 0));
      if (required)
        v.add(fs.name, "SCHEMA_MISSING_COLUMN", str_cat("column '", fs.name, "' is in the schema but not in the data"),
              str_cat("feature { name: \"", escape_text_string(fs.name), "\" presence { min_count: 0 } } (or remove it)"));
      continue;
    }
    v.feature(fs, *f);
    if (previous && fs.drift_comparator) {
      if (const FeatureStats* p = previous->find(fs.name))
        v.compare(fs, *p, *f, *fs.drift_comparator, "the previous and current spans", "drift_comparator");
      else
        v.add(fs.name, "COMPARATOR_CONTROL_DATA_MISSING", "the previous span has no such feature to compare with",
              "remove drift_comparator");
    }
    if (serving && fs.skew_comparator) {
      if (const FeatureStats* s = serving->find(fs.name))
        v.compare(fs, *f, *s, *fs.skew_comparator, "training and serving data", "skew_comparator");
      else
        v.add(fs.name, "COMPARATOR_TREATMENT_DATA_MISSING", "the serving data has no such feature to compare with",
              "remove skew_comparator");
    }
  }
  return v.out;
}

nlohmann::json to_json(const std::vector<Anomaly>& anomalies) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& a : anomalies) {
    nlohmann::json x = {{"feature", a.feature}, {"type", a.type}, {"description", a.description}, {"fix", a.fix}};
    if (!std::isnan(a.measured)) x["measured"] = a.measured;
    j.push_back(std::move(x));
  }
  return j;
}

std::string format_anomalies(const std::vector<Anomaly>& anomalies) {
  std::string out;
  for (const auto& a : anomalies) {
    out += str_cat(a.feature.empty() ? "<dataset>" : a.feature, ": ", a.type, ": ", a.description, "\n");
    out += str_cat("    suggested fix: ", a.fix, "\n");
  }
  return out;
}

}  // namespace tern::dv
