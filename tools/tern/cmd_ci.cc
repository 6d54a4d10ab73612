// `tern ci`: continuous integration for ML models with statistical
// guarantees (ease.ml/ci). Thin: parse flags, call tern/mlci, print.
//   tern ci samples       examples and labels a condition needs, per bound
//   tern ci check         test this commit's model against the accepted one
//   tern ci baseline      record the accepted (old) model
//   tern ci install-hook  run `tern ci check` from git's pre-push hook
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/mlci/check.h"
#include "tern/mlci/config.h"
#include "tern/mlci/decide.h"
#include "tern/mlci/estimate.h"
#include "tern/mlci/predictions.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace fs = std::filesystem;
using namespace tern::mlci;

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

std::string git_commit() {
  TERN_CHECK(shell("git rev-parse --is-inside-work-tree") == std::optional<std::string>("true"),
             "tern ci: expected to run inside a git work tree, got '", fs::current_path().string(), "'");
  auto head = shell("git rev-parse HEAD");
  TERN_CHECK(head.has_value(), "tern ci: the git repository has no commit yet; commit the model first");
  std::string id = *head;
  if (auto dirty = shell("git status --porcelain --untracked-files=no"); dirty && !dirty->empty()) id += "+dirty";
  return id;
}

// Paths in a config are relative to the config file's folder.
std::string relative_to(const std::string& config_path, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(config_path).parent_path() / p).lexically_normal().string();
}

Config load(const std::string& flag_path) {
  const std::string path = flag_path.empty() ? find_config(".") : flag_path;
  Config c = load_config(path);
  c.labels = relative_to(path, c.labels);
  c.state_dir = relative_to(path, c.state_dir);
  if (!c.script.empty() && !fs::path(path).parent_path().empty())
    c.script = "cd '" + fs::path(path).parent_path().string() + "' && " + c.script;
  return c;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.resize(w, ' ');
  return s;
}

void print_plan(const Plan& p) {
  std::printf("%s: %lld examples, %lld labels\n", p.name.c_str(), static_cast<long long>(p.examples),
              static_cast<long long>(p.labels));
  for (const auto& l : p.lines)
    std::printf("  %s %s %9lld examples %9lld labels   %s\n", pad(l.clause, 28).c_str(), pad(l.bound, 24).c_str(),
                static_cast<long long>(l.examples), static_cast<long long>(l.labels), l.note.c_str());
}

nlohmann::json plan_json(const Plan& p) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& l : p.lines)
    lines.push_back({{"clause", l.clause}, {"bound", l.bound}, {"examples", l.examples}, {"labels", l.labels},
                     {"note", l.note}});
  return {{"name", p.name}, {"examples", p.examples}, {"labels", p.labels}, {"lines", lines}};
}

struct SamplesArgs {
  std::string config, condition, mode = "fp-free", adaptivity = "full", new_pred, old_pred;
  double reliability = 0.999, d_bound = -1;
  int64_t steps = 32;
  bool json = false;
};

void run_samples(const SamplesArgs& a) {
  Settings s;
  std::optional<double> d_bound;
  if (!a.config.empty()) {
    const Config c = load(a.config);
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
  if (a.d_bound >= 0) d_bound = a.d_bound;
  nlohmann::json j;
  if (!a.new_pred.empty() || !a.old_pred.empty()) {
    TERN_CHECK(!a.new_pred.empty() && !a.old_pred.empty(),
               "tern ci samples: expected both --new-predictions and --old-predictions");
    const auto np = read_classes(a.new_pred), op = read_classes(a.old_pred);
    const double d_hat = disagreement(np, op);
    const auto p = hierarchical_d_bound(s, static_cast<int64_t>(np.size()), d_hat);
    j["d_hat"] = d_hat;
    j["unlabeled_examples"] = np.size();
    if (p) {
      d_bound = p;
      j["d_bound"] = *p;
    }
    if (!a.json)
      std::printf("measured d = %.4f on %zu unlabeled examples%s\n", d_hat, np.size(),
                  p ? (" -> bound d <= " + std::to_string(*p) + " (hoeffding, label-free)").c_str() : "");
  }
  const Plan base = plan_hoeffding(s);
  OptimiseOptions opt;
  opt.d_bound = d_bound;
  const Plan best = plan_optimised(s, opt);
  const double saving = static_cast<double>(base.labels) / static_cast<double>(std::max<int64_t>(1, best.labels));
  if (a.json) {
    j["condition"] = s.condition.text;
    j["reliability"] = s.reliability;
    j["mode"] = mode_name(s.mode);
    j["adaptivity"] = adaptivity_name(s.adaptivity);
    j["steps"] = s.steps;
    j["plans"] = {plan_json(base), plan_json(best)};
    j["label_saving"] = saving;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("condition %s | reliability %g | %s | adaptivity %s | steps %lld\n", s.condition.text.c_str(),
              s.reliability, mode_name(s.mode), adaptivity_name(s.adaptivity), static_cast<long long>(s.steps));
  print_plan(base);
  print_plan(best);
  std::printf("labels: %.1fx fewer with the optimisations than with plain hoeffding\n", saving);
}

struct CheckArgs {
  std::string config, predictions, labels, commit, state;
};

std::vector<int64_t> model_predictions(const Config& c, const std::string& file) {
  if (!file.empty()) return read_classes(file);
  TERN_CHECK(!c.script.empty(), c.source, ": expected 'script:' (prints one predicted class per line) or ",
             "--predictions FILE");
  return run_script(c.script);
}

void run_check_cmd(const CheckArgs& a) {
  Config c = load(a.config);
  if (!a.state.empty()) c.state_dir = a.state;
  if (!a.labels.empty()) c.labels = a.labels;
  TERN_CHECK(!c.labels.empty(), c.source, ": expected 'labels:' (the test set's labels) or --labels FILE");
  CheckInput in;
  in.commit = a.commit.empty() ? git_commit() : a.commit;
  in.config = c;
  in.labels = read_classes(c.labels);
  in.new_pred = model_predictions(c, a.predictions);
  const CheckOutcome out = run_check(in);
  for (const auto& line : out.report) std::printf("%s\n", line.c_str());
  if (out.exit_code == 2) TERN_FAIL("tern ci check: cannot decide: ", out.report.empty() ? "" : out.report.back());
  set_exit_code(out.exit_code);
}

void run_baseline(const CheckArgs& a) {
  Config c = load(a.config);
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
  std::printf("recorded %zu predictions of commit %s as the accepted model in %s\n", pred.size(), commit.c_str(),
              c.state_dir.c_str());
}

void run_install_hook(bool force) {
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
  std::printf("installed %s\n", path.c_str());
}

void setup(CLI::App& root) {
  auto* ci = root.add_subcommand("ci", "Continuous integration for ML models with statistical guarantees (ease.ml/ci)");
  ci->require_subcommand(1);

  auto sa = std::make_shared<SamplesArgs>();
  auto* samples = ci->add_subcommand("samples", "Examples and labels a condition needs, and which bound gives them");
  samples->add_option("--config", sa->config, "read the settings from this .ternci.yml/.easeml.yml");
  samples->add_option("--condition", sa->condition, "e.g. 'n - o > 0.02 +/- 0.01'");
  samples->add_option("--reliability", sa->reliability, "1 - delta")->capture_default_str();
  samples->add_option("--mode", sa->mode, "fp-free | fn-free")->capture_default_str();
  samples->add_option("--adaptivity", sa->adaptivity, "none | firstChange | full")->capture_default_str();
  samples->add_option("--steps", sa->steps, "H: commits per test set")->capture_default_str();
  samples->add_option("--d-bound", sa->d_bound, "expected upper bound on d (enables the Bennett estimate)");
  samples->add_option("--new-predictions", sa->new_pred, "measure d (label-free) from two prediction files");
  samples->add_option("--old-predictions", sa->old_pred, "the accepted model's predictions");
  samples->add_flag("--json", sa->json, "print JSON");
  samples->callback([sa] { run_samples(*sa); });

  auto ca = std::make_shared<CheckArgs>();
  auto* check = ci->add_subcommand("check", "Test this commit's model against the last accepted one (exit 0 pass, 1 fail, 2 error)");
  check->add_option("--config", ca->config, "configuration file (default: .ternci.yml or .easeml.yml here)");
  check->add_option("--predictions", ca->predictions, "the new model's predictions (default: run the configured script)");
  check->add_option("--labels", ca->labels, "the test set's labels (IDX or one class a line)");
  check->add_option("--commit", ca->commit, "commit id to record (default: git HEAD)");
  check->add_option("--state", ca->state, "state directory (default: the config's state, .ternci)");
  check->callback([ca] { run_check_cmd(*ca); });

  auto ba = std::make_shared<CheckArgs>();
  auto* baseline = ci->add_subcommand("baseline", "Record a model as the accepted (old) model without testing it");
  baseline->add_option("--config", ba->config, "configuration file");
  baseline->add_option("--predictions", ba->predictions, "its predictions (default: run the configured script)");
  baseline->add_option("--labels", ba->labels, "the test set's labels (default: the config's)");
  baseline->add_option("--commit", ba->commit, "commit id to record (default: git HEAD)");
  baseline->add_option("--state", ba->state, "state directory");
  baseline->callback([ba] { run_baseline(*ba); });

  auto force = std::make_shared<bool>(false);
  auto* hook = ci->add_subcommand("install-hook", "Run `tern ci check` from git's pre-push hook");
  hook->add_flag("--force", *force, "replace an existing pre-push hook");
  hook->callback([force] { run_install_hook(*force); });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
