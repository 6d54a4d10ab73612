#include "tern/dv/schema.h"

#include <charconv>
#include <cmath>
#include <initializer_list>
#include <set>
#include <string_view>

#include "tern/base/error.h"

namespace tern::dv {

std::string format_double(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // Keep a float-looking literal so readers see a FLOAT field.
  if (s.find_first_of(".eE") == std::string::npos) s += ".0";
  return s;
}

const FeatureSchema* Schema::find(std::string_view name) const {
  for (const auto& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

FeatureSchema* Schema::find(std::string_view name) {
  for (auto& f : features)
    if (f.name == name) return &f;
  return nullptr;
}

const StringDomain* Schema::string_domain_of(const FeatureSchema& f) const {
  if (f.string_domain) return &*f.string_domain;
  if (f.domain.empty()) return nullptr;
  for (const auto& d : string_domains)
    if (d.name == f.domain) return &d;
  return nullptr;
}

namespace {

// Reads known fields out of a message; anything else ends up in `extra`.
class Reader {
 public:
  Reader(const TextMessage& m, const std::string& source, std::string path)
      : m_(m), source_(source), path_(std::move(path)) {}

  [[noreturn]] void fail(const TextField& f, const std::string& what) const {
    throw ValueError(str_cat(source_, ":", f.line, ": ", path_, f.name, ": ", what));
  }
  double number(const TextField& f) {
    if (f.kind != TextField::Kind::kScalar) fail(f, "expected a number");
    double v;
    const std::string& s = f.value;
    if (s == "inf" || s == "infinity") return INFINITY;
    if (s == "-inf" || s == "-infinity") return -INFINITY;
    if (s == "nan") return NAN;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    std::string t(b, s.data() + s.size());
    if (!t.empty() && (t.back() == 'f' || t.back() == 'F') && t.find_first_of("xX") == std::string::npos) t.pop_back();
    auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) fail(f, str_cat("expected a number, got '", s, "'"));
    return v;
  }
  int64_t integer(const TextField& f) {
    if (f.kind != TextField::Kind::kScalar) fail(f, "expected an integer");
    int64_t v;
    const std::string& s = f.value;
    const char* b = s.data() + (s[0] == '+' ? 1 : 0);
    auto r = std::from_chars(b, s.data() + s.size(), v);
    if (r.ec != std::errc() || r.ptr != s.data() + s.size()) fail(f, str_cat("expected an integer, got '", s, "'"));
    return v;
  }
  bool boolean(const TextField& f) {
    if (f.value == "true" || f.value == "True" || f.value == "t" || f.value == "1") return true;
    if (f.value == "false" || f.value == "False" || f.value == "f" || f.value == "0") return false;
    fail(f, str_cat("expected true or false, got '", f.value, "'"));
  }
  std::string string(const TextField& f) {
    if (f.kind != TextField::Kind::kString) fail(f, "expected a quoted string");
    return f.value;
  }
  const TextMessage& message(const TextField& f) {
    if (f.kind != TextField::Kind::kMessage) fail(f, "expected a { ... } block");
    return *f.message;
  }
  // A field this reader does not model: kept (printed back unchanged) when
  // TFDV's schema.proto has it in `message` (one of `known`), refused
  // otherwise, as TFDV's own text-format parser refuses it.
  void keep(const TextField& f, TextMessage& extra, const char* message, std::initializer_list<std::string_view> known) {
    for (std::string_view k : known)
      if (f.name == k) {
        extra.fields.push_back(f);
        return;
      }
    fail(f, str_cat("unknown field (TFDV's schema.proto ", message, " has no such field)"));
  }
  std::string child_path(const TextField& f) const { return path_ + f.name + "."; }
  const std::string& source() const { return source_; }

 private:
  const TextMessage& m_;
  const std::string& source_;
  std::string path_;
};

std::optional<double> threshold(Reader& r, const TextField& f) {
  const auto& m = r.message(f);
  Reader in(m, r.source(), r.child_path(f));
  std::optional<double> t;
  for (const auto& g : m.fields) {
    if (g.name == "threshold") t = in.number(g);
    else if (g.name != "source") in.fail(g, "unknown field (expected threshold or source)");
  }
  return t;
}

FeatureComparator read_comparator(Reader& r, const TextField& f) {
  FeatureComparator c;
  const auto& m = r.message(f);
  Reader in(m, r.source(), r.child_path(f));
  for (const auto& g : m.fields) {
    if (g.name == "infinity_norm") c.infinity_norm = threshold(in, g);
    else if (g.name == "jensen_shannon_divergence") c.jensen_shannon_divergence = threshold(in, g);
    else in.keep(g, c.extra, "FeatureComparator", {"normalized_abs_difference"});
  }
  return c;
}

StringDomain read_string_domain(Reader& r, const TextField& f) {
  StringDomain d;
  const auto& m = r.message(f);
  Reader in(m, r.source(), r.child_path(f));
  for (const auto& g : m.fields) {
    if (g.name == "name") d.name = in.string(g);
    else if (g.name == "value") d.values.push_back(in.string(g));
    else in.keep(g, d.extra, "StringDomain", {"is_categorical"});
  }
  return d;
}

Range read_range(Reader& r, const TextField& f) {
  Range v;
  const auto& m = r.message(f);
  Reader in(m, r.source(), r.child_path(f));
  for (const auto& g : m.fields) {
    if (g.name == "min") v.min = in.integer(g);
    else if (g.name == "max") v.max = in.integer(g);
    else in.fail(g, "unknown field");
  }
  if (v.min && v.max && *v.min > *v.max) r.fail(f, str_cat("min ", *v.min, " is above max ", *v.max));
  if (v.min && *v.min < 0) r.fail(f, str_cat("min must be >= 0, got ", *v.min));
  return v;
}

FeatureSchema read_feature(Reader& r, const TextField& f) {
  FeatureSchema x;
  const auto& m = r.message(f);
  Reader in(m, r.source(), r.child_path(f));
  bool has_type = false;
  for (const auto& g : m.fields) {
    if (g.name == "name") {
      x.name = in.string(g);
    } else if (g.name == "type") {
      try {
        x.type = parse_type(g.value);
      } catch (const ValueError&) {
        in.fail(g, str_cat("type must be INT, FLOAT or BYTES, got '", g.value, "'"));
      }
      has_type = true;
    } else if (g.name == "presence") {
      Presence p;
      Reader pin(in.message(g), r.source(), in.child_path(g));
      for (const auto& h : in.message(g).fields) {
        if (h.name == "min_fraction") {
          p.min_fraction = pin.number(h);
          if (!(*p.min_fraction >= 0 && *p.min_fraction <= 1))
            pin.fail(h, str_cat("min_fraction must be in [0, 1], got ", *p.min_fraction));
        } else if (h.name == "min_count") {
          p.min_count = pin.integer(h);
          if (*p.min_count < 0) pin.fail(h, str_cat("min_count must be >= 0, got ", *p.min_count));
        } else {
          pin.fail(h, "unknown field");
        }
      }
      x.presence = p;
    } else if (g.name == "value_count") {
      x.value_count = read_range(in, g);
    } else if (g.name == "unique_constraints") {
      x.unique_constraints = read_range(in, g);
    } else if (g.name == "domain") {
      x.domain = in.string(g);
    } else if (g.name == "int_domain") {
      IntDomain d;
      Reader din(in.message(g), r.source(), in.child_path(g));
      for (const auto& h : in.message(g).fields) {
        if (h.name == "name") d.name = din.string(h);
        else if (h.name == "min") d.min = din.integer(h);
        else if (h.name == "max") d.max = din.integer(h);
        else if (h.name == "is_categorical") d.is_categorical = din.boolean(h);
        else din.keep(h, d.extra, "IntDomain", {});
      }
      if (d.min && d.max && *d.min > *d.max) in.fail(g, str_cat("int_domain min ", *d.min, " is above max ", *d.max));
      x.int_domain = d;
    } else if (g.name == "float_domain") {
      FloatDomain d;
      Reader din(in.message(g), r.source(), in.child_path(g));
      for (const auto& h : in.message(g).fields) {
        if (h.name == "name") d.name = din.string(h);
        else if (h.name == "min") d.min = din.number(h);
        else if (h.name == "max") d.max = din.number(h);
        else if (h.name == "disallow_nan") d.disallow_nan = din.boolean(h);
        else if (h.name == "disallow_inf") d.disallow_inf = din.boolean(h);
        else din.keep(h, d.extra, "FloatDomain", {"is_embedding", "is_categorical", "embedding_dim"});
      }
      if (d.min && d.max && *d.min > *d.max) in.fail(g, str_cat("float_domain min ", *d.min, " is above max ", *d.max));
      x.float_domain = d;
    } else if (g.name == "string_domain") {
      x.string_domain = read_string_domain(in, g);
    } else if (g.name == "skew_comparator") {
      x.skew_comparator = read_comparator(in, g);
    } else if (g.name == "drift_comparator") {
      x.drift_comparator = read_comparator(in, g);
    } else {
      in.keep(g, x.extra, "Feature",
              {"deprecated", "group_presence", "shape", "value_counts", "bool_domain", "struct_domain",
               "natural_language_domain", "image_domain", "mid_domain", "url_domain", "time_domain",
               "time_of_day_domain", "distribution_constraints", "annotation", "in_environment",
               "not_in_environment", "lifecycle_stage", "validation_derived_source", "sequence_metadata"});
    }
  }
  if (x.name.empty()) r.fail(f, "feature without a name");
  if (!has_type) r.fail(f, str_cat("feature '", x.name, "' has no type"));
  return x;
}

DatasetConstraints read_dataset_constraints(Reader& r, const TextField& f) {
  DatasetConstraints d;
  const auto& m = r.message(f);
  Reader in(m, r.source(), r.child_path(f));
  for (const auto& g : m.fields) {
    if (g.name == "min_examples_count") d.min_examples_count = in.integer(g);
    else if (g.name == "max_examples_count") d.max_examples_count = in.integer(g);
    else if (g.name == "num_examples_drift_comparator") {
      Reader cin(in.message(g), r.source(), in.child_path(g));
      for (const auto& h : in.message(g).fields) {
        if (h.name == "min_fraction_threshold") d.min_fraction_threshold = cin.number(h);
        else if (h.name == "max_fraction_threshold") d.max_fraction_threshold = cin.number(h);
        else cin.fail(h, "unknown field");
      }
    } else {
      in.keep(g, d.extra, "DatasetConstraints", {"num_examples_version_comparator"});
    }
  }
  return d;
}

// --- printing --------------------------------------------------------------

TextField scalar(std::string name, std::string value) {
  TextField f;
  f.name = std::move(name);
  f.value = std::move(value);
  return f;
}
TextField str(std::string name, std::string value) {
  TextField f = scalar(std::move(name), std::move(value));
  f.kind = TextField::Kind::kString;
  return f;
}
TextField msg(std::string name, TextMessage m) {
  TextField f;
  f.name = std::move(name);
  f.kind = TextField::Kind::kMessage;
  f.message = std::make_shared<TextMessage>(std::move(m));
  return f;
}
void append(TextMessage& m, const TextMessage& extra) {
  m.fields.insert(m.fields.end(), extra.fields.begin(), extra.fields.end());
}

TextMessage range_message(const Range& r) {
  TextMessage m;
  if (r.min) m.fields.push_back(scalar("min", std::to_string(*r.min)));
  if (r.max) m.fields.push_back(scalar("max", std::to_string(*r.max)));
  return m;
}

TextMessage comparator_message(const FeatureComparator& c) {
  TextMessage m;
  auto thr = [](double t) {
    TextMessage x;
    x.fields.push_back(scalar("threshold", format_double(t)));
    return x;
  };
  if (c.infinity_norm) m.fields.push_back(msg("infinity_norm", thr(*c.infinity_norm)));
  if (c.jensen_shannon_divergence) m.fields.push_back(msg("jensen_shannon_divergence", thr(*c.jensen_shannon_divergence)));
  append(m, c.extra);
  return m;
}

TextMessage string_domain_message(const StringDomain& d) {
  TextMessage m;
  if (!d.name.empty()) m.fields.push_back(str("name", d.name));
  for (const auto& v : d.values) m.fields.push_back(str("value", v));
  append(m, d.extra);
  return m;
}

}  // namespace

Schema parse_schema(std::string_view text, const std::string& source) {
  const TextMessage root = parse_text_proto(text, source);
  Schema s;
  Reader r(root, source, "");
  std::set<std::string> names;
  for (const auto& f : root.fields) {
    if (f.name == "feature") {
      s.features.push_back(read_feature(r, f));
      if (!names.insert(s.features.back().name).second)
        r.fail(f, str_cat("duplicate feature '", s.features.back().name, "'"));
    } else if (f.name == "string_domain") {
      s.string_domains.push_back(read_string_domain(r, f));
    } else if (f.name == "dataset_constraints") {
      s.dataset_constraints = read_dataset_constraints(r, f);
    } else {
      r.keep(f, s.extra, "Schema",
             {"sparse_feature", "weighted_feature", "float_domain", "int_domain", "default_environment",
              "annotation", "tensor_representation_group", "represent_variable_length_as_ragged",
              "generate_legacy_feature_spec"});
    }
  }
  for (const auto& f : s.features)
    if (!f.domain.empty())
      TERN_CHECK(s.string_domain_of(f) != nullptr, source, ": feature '", f.name, "' refers to domain '", f.domain,
                 "', which is not defined (add a top-level string_domain with that name)");
  return s;
}

std::string print_schema(const Schema& s) {
  TextMessage root;
  for (const auto& f : s.features) {
    TextMessage m;
    m.fields.push_back(str("name", f.name));
    if (f.value_count) m.fields.push_back(msg("value_count", range_message(*f.value_count)));
    m.fields.push_back(scalar("type", type_name(f.type)));
    if (!f.domain.empty()) m.fields.push_back(str("domain", f.domain));
    if (f.int_domain) {
      TextMessage d;
      if (!f.int_domain->name.empty()) d.fields.push_back(str("name", f.int_domain->name));
      if (f.int_domain->min) d.fields.push_back(scalar("min", std::to_string(*f.int_domain->min)));
      if (f.int_domain->max) d.fields.push_back(scalar("max", std::to_string(*f.int_domain->max)));
      if (f.int_domain->is_categorical) d.fields.push_back(scalar("is_categorical", "true"));
      append(d, f.int_domain->extra);
      m.fields.push_back(msg("int_domain", std::move(d)));
    }
    if (f.float_domain) {
      TextMessage d;
      if (!f.float_domain->name.empty()) d.fields.push_back(str("name", f.float_domain->name));
      if (f.float_domain->min) d.fields.push_back(scalar("min", format_double(*f.float_domain->min)));
      if (f.float_domain->max) d.fields.push_back(scalar("max", format_double(*f.float_domain->max)));
      if (f.float_domain->disallow_nan) d.fields.push_back(scalar("disallow_nan", "true"));
      if (f.float_domain->disallow_inf) d.fields.push_back(scalar("disallow_inf", "true"));
      append(d, f.float_domain->extra);
      m.fields.push_back(msg("float_domain", std::move(d)));
    }
    if (f.string_domain) m.fields.push_back(msg("string_domain", string_domain_message(*f.string_domain)));
    if (f.presence) {
      TextMessage p;
      if (f.presence->min_fraction) p.fields.push_back(scalar("min_fraction", format_double(*f.presence->min_fraction)));
      if (f.presence->min_count) p.fields.push_back(scalar("min_count", std::to_string(*f.presence->min_count)));
      m.fields.push_back(msg("presence", std::move(p)));
    }
    if (f.unique_constraints) m.fields.push_back(msg("unique_constraints", range_message(*f.unique_constraints)));
    if (f.skew_comparator) m.fields.push_back(msg("skew_comparator", comparator_message(*f.skew_comparator)));
    if (f.drift_comparator) m.fields.push_back(msg("drift_comparator", comparator_message(*f.drift_comparator)));
    append(m, f.extra);
    root.fields.push_back(msg("feature", std::move(m)));
  }
  for (const auto& d : s.string_domains) root.fields.push_back(msg("string_domain", string_domain_message(d)));
  if (s.dataset_constraints) {
    const auto& d = *s.dataset_constraints;
    TextMessage m;
    if (d.min_fraction_threshold || d.max_fraction_threshold) {
      TextMessage c;
      if (d.min_fraction_threshold) c.fields.push_back(scalar("min_fraction_threshold", format_double(*d.min_fraction_threshold)));
      if (d.max_fraction_threshold) c.fields.push_back(scalar("max_fraction_threshold", format_double(*d.max_fraction_threshold)));
      m.fields.push_back(msg("num_examples_drift_comparator", std::move(c)));
    }
    if (d.min_examples_count) m.fields.push_back(scalar("min_examples_count", std::to_string(*d.min_examples_count)));
    if (d.max_examples_count) m.fields.push_back(scalar("max_examples_count", std::to_string(*d.max_examples_count)));
    append(m, d.extra);
    root.fields.push_back(msg("dataset_constraints", std::move(m)));
  }
  append(root, s.extra);
  return print_text_proto(root);
}

}  // namespace tern::dv
