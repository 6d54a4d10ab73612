#include "tern/mlci/workflow.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/mlci/predictions.h"

namespace tern::mlci {

namespace fs = std::filesystem;

namespace {

// Output of a shell command, trailing newline removed; nullopt on failure.
std::optional<std::string> shell(const std::string& cmd) {
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen((cmd + " 2>/dev/null").c_str(), "r"), pclose);
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p.get())) > 0) out.append(buf, n);
  if (pclose(p.release()) != 0) return std::nullopt;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// Paths in a config are relative to the config file's folder.
std::string relative_to(const std::string& config_path, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(config_path).parent_path() / p).lexically_normal().string();
}

std::vector<int64_t> model_predictions(const Config& c, const std::string& file) {
  if (!file.empty()) return read_classes(file);
  TERN_CHECK(!c.script.empty(), c.source, ": expected 'script:' (prints one predicted class per line) or ",
             "--predictions FILE");
  return run_script(c.script, c.script_timeout_s);
}

}  // namespace

std::string git_commit() {
  TERN_CHECK(shell("git rev-parse --is-inside-work-tree") == std::optional<std::string>("true"),
             "tern ci: expected to run inside a git work tree, got '", fs::current_path().string(), "'");
  auto head = shell("git rev-parse HEAD");
  TERN_CHECK(head.has_value(), "tern ci: the git repository has no commit yet; commit the model first");
  std::string id = *head;
  if (auto dirty = shell("git status --porcelain --untracked-files=no"); dirty && !dirty->empty()) id += "+dirty";
  return id;
}

Config load_config_here(const std::string& flag_path) {
  const std::string path = flag_path.empty() ? find_config(".") : flag_path;
  Config c = load_config(path);
  c.labels = relative_to(path, c.labels);
  c.state_dir = relative_to(path, c.state_dir);
  if (!c.script.empty() && !fs::path(path).parent_path().empty())
    c.script = "cd '" + fs::path(path).parent_path().string() + "' && " + c.script;
  return c;
}

SamplesReport plan_samples(const SamplesRequest& a) {
  SamplesReport out;
  Settings& s = out.settings;
  std::optional<double> d_bound;
  if (!a.config.empty()) {
    const Config c = load_config_here(a.config);
    s = c.settings;
    d_bound = c.d_bound;
  } else {
    TERN_CHECK(!a.condition.empty(), "tern ci samples: expected --condition or --config");
    s.condition = parse_condition(a.condition);
    s.reliability = a.reliability;
    s.mode = parse_mode(a.mode);
    s.adaptivity = parse_adaptivity(a.adaptivity);
    s.steps = a.steps;
    validate(s);
  }
  if (a.d_bound) {
    TERN_CHECK(std::isfinite(*a.d_bound) && *a.d_bound > 0 && *a.d_bound <= 1,
               "--d-bound: expected a value in (0, 1], given ", *a.d_bound);
    d_bound = a.d_bound;
  }
  if (!a.new_predictions.empty() || !a.old_predictions.empty()) {
    TERN_CHECK(!a.new_predictions.empty() && !a.old_predictions.empty(),
               "tern ci samples: expected both --new-predictions and --old-predictions");
    const auto np = read_classes(a.new_predictions), op = read_classes(a.old_predictions);
    out.d_hat = disagreement(np, op);
    out.unlabeled_examples = static_cast<int64_t>(np.size());
    out.d_bound_from_predictions = hierarchical_d_bound(s, out.unlabeled_examples, *out.d_hat);
    if (out.d_bound_from_predictions) d_bound = out.d_bound_from_predictions;
  }
  out.hoeffding = plan_hoeffding(s);
  OptimiseOptions opt;
  opt.d_bound = d_bound;
  out.optimised = plan_optimised(s, opt);
  out.label_saving =
      static_cast<double>(out.hoeffding.labels) / static_cast<double>(std::max<int64_t>(1, out.optimised.labels));
  return out;
}

CheckOutcome check_commit(const CheckRequest& a) {
  Config c = load_config_here(a.config);
  if (!a.state.empty()) c.state_dir = a.state;
  if (!a.labels.empty()) c.labels = a.labels;
  TERN_CHECK(!c.labels.empty(), c.source, ": expected 'labels:' (the test set's labels) or --labels FILE");
  CheckInput in;
  in.commit = a.commit.empty() ? git_commit() : a.commit;
  in.config = c;
  in.labels = read_classes(c.labels);
  in.new_pred = model_predictions(c, a.predictions);
  return run_check(in);
}

BaselineReport record_baseline(const CheckRequest& a) {
  Config c = load_config_here(a.config);
  if (!a.state.empty()) c.state_dir = a.state;
  const std::string commit = a.commit.empty() ? git_commit() : a.commit;
  if (!a.labels.empty()) c.labels = a.labels;
  const auto pred = model_predictions(c, a.predictions);
  std::string testset;  // bind the predictions to the test set when it is known
  if (!c.labels.empty()) {
    const auto labels = read_classes(c.labels);
    TERN_CHECK(labels.size() == pred.size(), "tern ci baseline: expected one prediction per test example (",
               labels.size(), " in ", c.labels, "), got ", pred.size());
    testset = fingerprint(labels);
  }
  set_baseline(c.state_dir, pred, commit, testset);
  return {pred.size(), commit, c.state_dir};
}

StatusReport ci_status(const std::string& config, const std::string& state_dir) {
  StatusReport r;
  if (!state_dir.empty()) {
    r.state_dir = state_dir;
  } else {
    r.state_dir = load_config_here(config).state_dir;
  }
  r.state = load_state(r.state_dir);
  r.has_accepted = fs::exists(accepted_path(r.state_dir));
  if (r.has_accepted) r.accepted_digest = fingerprint(read_classes(accepted_path(r.state_dir)));
  if (fs::exists(sealed_log_path(r.state_dir))) {
    const std::string log = read_file(sealed_log_path(r.state_dir));
    r.sealed_lines = static_cast<int64_t>(std::count(log.begin(), log.end(), '\n'));
  }
  return r;
}

std::string install_pre_push_hook(bool force) {
  git_commit();
  auto hooks = shell("git rev-parse --git-path hooks");
  TERN_CHECK(hooks.has_value(), "tern ci install-hook: could not locate git's hooks folder");
  fs::create_directories(*hooks);
  const std::string path = (fs::path(*hooks) / "pre-push").string();
  TERN_CHECK(force || !fs::exists(path), path, " already exists; pass --force to replace it");
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  write_file_atomic(path, "#!/bin/sh\n# Installed by `tern ci install-hook`: a push goes through only if the\n"
                          "# model passes the CI condition (exit 0); fail is 1, error 2.\nexec '" +
                              self + "' ci check\n");
  fs::permissions(path, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
  return path;
}

}  // namespace tern::mlci
