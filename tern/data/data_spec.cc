#include "tern/data/data_spec.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <tuple>

#include "tern/base/error.h"
#include "tern/base/parse.h"
#include "tern/base/philox.h"
#include "tern/data/cifar.h"
#include "tern/data/csv.h"
#include "tern/data/feature_dataset.h"
#include "tern/data/idx_folder.h"
#include "tern/data/image_folder.h"
#include "tern/data/npy.h"
#include "tern/data/npz_dataset.h"

namespace tern::data {

namespace {

// Each kind and the options it takes beyond the common ones.
const std::map<std::string, std::vector<std::string>>& kinds() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"csv", {"label"}},  {"tsv", {"label"}},  {"images", {"size", "gray", "rgb", "threads"}},
      {"cifar10", {}},     {"cifar100", {"coarse"}}, {"idx", {}},
      {"npz", {"x", "y"}},  {"npy", {"y", "test_y"}},
  };
  return k;
}
const std::vector<std::string> kCommon = {"test", "holdout", "seed", "raw", "mean", "std"};
const std::set<std::string> kFlags = {"gray", "rgb", "raw", "coarse"};

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string kind_names() {
  std::vector<std::string> v;
  for (const auto& [k, opts] : kinds()) v.push_back(k);
  return join(v);
}

struct Ctx {
  const DataSpec& spec;
  std::string what;  // "--data csv" in messages
  bool has(const std::string& k) const { return spec.options.count(k) > 0; }
  const std::string& get(const std::string& k) const { return spec.options.at(k); }
  std::string str(const std::string& k, const std::string& fallback) const { return has(k) ? get(k) : fallback; }
  int64_t integer(const std::string& k, int64_t fallback, IntRange r) const {
    return has(k) ? parse_int(get(k), what + " option " + k, r) : fallback;
  }
};

// Normalises `test` (if any) with what `train` gives itself.
void normalise(Dataset& train, Dataset* test) {
  if (auto* im = dynamic_cast<ImageDataset*>(&train)) {
    const auto [mean, sd] = im->pixel_mean_std();
    im->set_normalization(mean, sd);
    if (auto* t = dynamic_cast<ImageDataset*>(test)) t->set_normalization(mean, sd);
  } else if (auto* fe = dynamic_cast<FeatureDataset*>(&train)) {
    auto [mean, sd] = fe->position_stats();
    if (auto* t = dynamic_cast<FeatureDataset*>(test)) t->set_standardization(mean, sd);
    fe->set_standardization(std::move(mean), std::move(sd));
  }
}

void set_classes(Dataset& ds, int64_t classes) {
  if (auto* im = dynamic_cast<ImageDataset*>(&ds)) im->set_num_classes(classes);
  if (auto* fe = dynamic_cast<FeatureDataset*>(&ds)) fe->set_num_classes(classes);
}

std::shared_ptr<Dataset> take(const Dataset& ds, const std::vector<int64_t>& idx) {
  if (auto* im = dynamic_cast<const ImageDataset*>(&ds)) return im->take(idx);
  if (auto* fe = dynamic_cast<const FeatureDataset*>(&ds)) return fe->take(idx);
  TERN_FAIL("holdout: cannot split this kind of dataset");
}

std::shared_ptr<Dataset> csv_table_dataset(const CsvTable& t) {
  const int64_t features = static_cast<int64_t>(t.feature_names.size());
  return std::make_shared<FeatureDataset>(t.features, t.labels, Shape{features}, std::max<int64_t>(t.num_classes(), 1));
}

// Puts the feature columns of `t` (a test file) in the order `names` (the
// training file's): the files may order their columns differently, but
// must have the same ones.
void reorder_columns(CsvTable& t, const std::vector<std::string>& names, const std::string& path,
                     const std::string& train_path) {
  if (t.feature_names == names) return;
  const size_t f = names.size();
  std::vector<size_t> from(f);
  std::vector<std::string> sorted_a = t.feature_names, sorted_b = names;
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_b.begin(), sorted_b.end());
  TERN_CHECK_T(IOError, sorted_a == sorted_b, path, ": feature columns ", join(t.feature_names), " differ from ",
               train_path, "'s (expected ", join(names), ")");
  for (size_t k = 0; k < f; ++k)
    from[k] = std::find(t.feature_names.begin(), t.feature_names.end(), names[k]) - t.feature_names.begin();
  std::vector<float> v(t.features.size());
  for (int64_t r = 0; r < t.rows(); ++r)
    for (size_t k = 0; k < f; ++k) v[r * f + k] = t.features[r * f + from[k]];
  t.features = std::move(v);
  t.feature_names = names;
}

}  // namespace

DataSpec parse_data_spec(const std::string& text) {
  const std::string valid = " (expected KIND:PATH[,OPTION...] with KIND one of " + kind_names() + ")";
  const size_t colon = text.find(':');
  TERN_CHECK(colon != std::string::npos && colon > 0, "--data ", quote(text), ": no kind" + valid);
  DataSpec s;
  s.text = text;
  s.kind = text.substr(0, colon);
  const auto k = kinds().find(s.kind);
  TERN_CHECK(k != kinds().end(), "--data ", quote(text), ": unknown kind ", quote(s.kind), valid);
  std::vector<std::string> parts = split(std::string_view(text).substr(colon + 1), ',');
  s.path = parts[0];
  TERN_CHECK(!s.path.empty(), "--data ", quote(text), ": no path after '", s.kind, ":'");
  std::vector<std::string> allowed = kCommon;
  allowed.insert(allowed.end(), k->second.begin(), k->second.end());
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    const size_t eq = p.find('=');
    const std::string key = p.substr(0, eq);
    TERN_CHECK(std::find(allowed.begin(), allowed.end(), key) != allowed.end(), "--data ", s.kind, ": unknown option ",
               quote(key), " (valid: ", join(allowed), ")");
    const bool flag = kFlags.count(key) > 0;
    TERN_CHECK(flag == (eq == std::string::npos), "--data ", s.kind, ": option ", quote(key),
               flag ? " is a flag and takes no value" : " needs a value (KEY=VALUE)");
    TERN_CHECK(!s.options.count(key), "--data ", s.kind, ": option ", quote(key), " given twice");
    s.options[key] = flag ? "" : p.substr(eq + 1);
  }
  TERN_CHECK(!(s.options.count("test") && s.options.count("holdout")), "--data ", s.kind,
             ": test= and holdout= exclude each other (a test set is either given or held out)");
  TERN_CHECK(!(s.options.count("gray") && s.options.count("rgb")), "--data images: gray and rgb exclude each other");
  return s;
}

std::pair<std::shared_ptr<Dataset>, std::shared_ptr<Dataset>> holdout_split(const Dataset& ds, double fraction,
                                                                            uint64_t seed) {
  const int64_t n = ds.size();
  TERN_CHECK(n >= 2, "holdout: a dataset of ", n, " example cannot be split into train and test");
  const int64_t held = std::clamp<int64_t>(std::llround(fraction * static_cast<double>(n)), 1, n - 1);
  std::vector<int64_t> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  const uint64_t key = seed * 0x9E3779B97F4A7C15ull + 11;
  for (int64_t i = n - 1; i > 0; --i) {
    const uint64_t r = (uint64_t{Philox::bits(key, 2 * i)} << 32) | Philox::bits(key, 2 * i + 1);
    std::swap(order[i], order[static_cast<int64_t>(r % static_cast<uint64_t>(i + 1))]);
  }
  std::vector<int64_t> test(order.begin(), order.begin() + held), train(order.begin() + held, order.end());
  std::sort(test.begin(), test.end());
  std::sort(train.begin(), train.end());
  return {take(ds, train), take(ds, test)};
}

DataSplits load_data(const DataSpec& spec, uint64_t default_seed, bool progress) {
  Ctx c{spec, "--data " + spec.kind};
  const uint64_t seed = static_cast<uint64_t>(c.integer("seed", static_cast<int64_t>(default_seed), {0}));
  std::optional<double> holdout;
  if (c.has("holdout"))
    holdout = parse_double(c.get("holdout"), c.what + " option holdout", {.min = 0, .max = 1, .min_exclusive = true});
  TERN_CHECK(!holdout || *holdout < 1, c.what, " option holdout: expected a fraction in (0, 1), given ",
             quote(c.get("holdout")));
  const std::string test_path = c.str("test", "");
  DataSplits out;
  std::shared_ptr<Dataset> train, test;  // test: the kind's own split, or test=

  if (spec.kind == "csv" || spec.kind == "tsv") {
    CsvOptions o;
    o.delimiter = spec.kind == "tsv" ? '\t' : ',';
    o.label = c.str("label", "");
    const CsvTable t = read_csv(spec.path, o);
    train = csv_table_dataset(t);
    out.class_names = t.class_names;
    if (!test_path.empty()) {
      CsvOptions to = o;
      to.label = t.label_name;  // by name: the test file's columns may come in another order
      to.classes = t.class_names;
      to.integer_labels = t.class_names.empty();
      CsvTable tt = read_csv(test_path, to);
      reorder_columns(tt, t.feature_names, test_path, spec.path);
      test = csv_table_dataset(tt);
    } else if (!holdout) {
      holdout = 0.2;
    }
  } else if (spec.kind == "images") {
    ImageFolderOptions o;
    o.size = c.integer("size", 32, {1, 4096});
    o.channels = c.has("gray") ? 1 : 3;
    o.threads = static_cast<int>(c.integer("threads", 0, {0, 256}));
    o.progress = progress;
    ImageFolder f = read_image_folder(spec.path, o);
    train = f.dataset;
    out.class_names = f.class_names;
    if (!test_path.empty()) {
      o.classes = f.class_names;
      test = read_image_folder(test_path, o).dataset;
    } else if (!holdout) {
      holdout = 0.2;
    }
  } else if (spec.kind == "cifar10" || spec.kind == "cifar100") {
    const bool ten = spec.kind == "cifar10", coarse = c.has("coarse");
    train = ten ? cifar10(spec.path, true) : cifar100(spec.path, true, coarse);
    if (!holdout)
      test = ten ? cifar10(test_path.empty() ? spec.path : test_path, false)
                 : cifar100(test_path.empty() ? spec.path : test_path, false, coarse);
  } else if (spec.kind == "idx") {
    train = idx_folder(spec.path, true);
    if (!holdout) test = idx_folder(test_path.empty() ? spec.path : test_path, false);
  } else if (spec.kind == "npz") {
    const auto arrays = read_npz(spec.path);
    const bool split = arrays.count("x_train") && arrays.count("y_train");
    const std::string x = c.str("x", split ? "x_train" : "x"), y = c.str("y", split ? "y_train" : "y");
    train = npz_dataset(arrays, spec.path, x, y);
    if (!test_path.empty()) {
      test = npz_dataset(test_path, x, y);
    } else if (!holdout) {
      TERN_CHECK(arrays.count("x_test") && arrays.count("y_test"), c.what, ": ", spec.path,
                 " has no x_test / y_test arrays; give test=FILE or holdout=FRACTION");
      test = npz_dataset(arrays, spec.path, "x_test", "y_test");
    }
  } else if (spec.kind == "npy") {
    TERN_CHECK(c.has("y"), c.what, ": y=FILE.npy (the labels) is required");
    TERN_CHECK(test_path.empty() == !c.has("test_y"), c.what,
               ": test= and test_y= come together (test examples and their labels)");
    train = arrays_dataset(read_npy(spec.path), read_npy(c.get("y")), spec.path + " with " + c.get("y"));
    if (!test_path.empty())
      test = arrays_dataset(read_npy(test_path), read_npy(c.get("test_y")), test_path + " with " + c.get("test_y"));
    else if (!holdout)
      holdout = 0.2;
  } else {
    TERN_FAIL("--data: unknown kind ", quote(spec.kind), " (expected one of ", kind_names(), ")");
  }

  if (holdout) std::tie(train, test) = holdout_split(*train, *holdout, seed);
  TERN_CHECK_T(IOError, train->example_shape() == test->example_shape(), c.what, ": test examples of shape ",
               shape_str(test->example_shape()), " do not match the training examples' ",
               shape_str(train->example_shape()));
  const int64_t classes = std::max(train->num_classes(), test->num_classes());
  set_classes(*train, classes);
  set_classes(*test, classes);
  if (c.has("mean") || c.has("std")) {
    // Fixed normalisation of pixels scaled to [0, 1] (e.g. mean=0.5,std=0.5 for [-1, 1]).
    auto* im = dynamic_cast<ImageDataset*>(train.get());
    TERN_CHECK(im, c.what, ": mean= and std= apply to images (uint8 pixels); ", spec.path, " holds feature vectors");
    TERN_CHECK(!c.has("raw"), c.what, ": raw excludes mean= and std=");
    const auto [m0, s0] = im->pixel_mean_std();
    const double mean = c.has("mean") ? parse_double(c.get("mean"), c.what + " option mean", {.min = -1e6, .max = 1e6}) : m0;
    const double sd = c.has("std") ? parse_double(c.get("std"), c.what + " option std",
                                                  {.min = 0, .max = 1e6, .min_exclusive = true})
                                   : s0;
    im->set_normalization(static_cast<float>(mean), static_cast<float>(sd));
    static_cast<ImageDataset&>(*test).set_normalization(static_cast<float>(mean), static_cast<float>(sd));
  } else if (!c.has("raw")) {
    normalise(*train, test.get());
  }
  out.train = train;
  out.test = test;
  out.summary = str_cat(spec.kind, ":", spec.path, ": ", train->size(), " train, ", test->size(), " test, ",
                        shape_str(train->example_shape()), ", ", classes, " classes");
  return out;
}

DataSplits load_data(const std::string& spec, uint64_t default_seed, bool progress) {
  return load_data(parse_data_spec(spec), default_seed, progress);
}

}  // namespace tern::data
