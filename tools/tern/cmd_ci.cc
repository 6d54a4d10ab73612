// `tern ci`: continuous integration for ML models with statistical
// guarantees (ease.ml/ci). Thin: parse flags, call tern/mlci, print.
//   tern ci samples       examples and labels a condition needs, per bound
//   tern ci check         test this commit's model against the accepted one
//   tern ci baseline      record the accepted (old) model
//   tern ci install-hook  run `tern ci check` from git's pre-push hook
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tern/base/error.h"
#include "tern/mlci/workflow.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

using namespace tern::mlci;

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

void run_samples(const SamplesRequest& a, bool json) {
  const SamplesReport r = plan_samples(a);
  const Settings& s = r.settings;
  nlohmann::json j;
  if (r.d_hat) {
    j["d_hat"] = *r.d_hat;
    j["unlabeled_examples"] = r.unlabeled_examples;
    if (r.d_bound_from_predictions) j["d_bound"] = *r.d_bound_from_predictions;
    if (!json)
      std::printf("measured d = %.4f on %lld unlabeled examples%s\n", *r.d_hat,
                  static_cast<long long>(r.unlabeled_examples),
                  r.d_bound_from_predictions
                      ? (" -> bound d <= " + std::to_string(*r.d_bound_from_predictions) + " (hoeffding, label-free)").c_str()
                      : "");
  }
  if (json) {
    j["condition"] = s.condition.text;
    j["reliability"] = s.reliability;
    j["mode"] = mode_name(s.mode);
    j["adaptivity"] = adaptivity_name(s.adaptivity);
    j["steps"] = s.steps;
    j["plans"] = {plan_json(r.hoeffding), plan_json(r.optimised)};
    j["label_saving"] = r.label_saving;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("condition %s | reliability %g | %s | adaptivity %s | steps %lld\n", s.condition.text.c_str(),
              s.reliability, mode_name(s.mode), adaptivity_name(s.adaptivity), static_cast<long long>(s.steps));
  print_plan(r.hoeffding);
  print_plan(r.optimised);
  std::printf("labels: %.1fx fewer with the optimisations than with plain hoeffding\n", r.label_saving);
}

void run_check_cmd(const CheckRequest& a) {
  const CheckOutcome out = check_commit(a);
  for (const auto& line : out.report) std::printf("%s\n", line.c_str());
  if (out.exit_code == 2) TERN_FAIL("tern ci check: cannot decide: ", out.report.empty() ? "" : out.report.back());
  set_exit_code(out.exit_code);
}

void run_baseline(const CheckRequest& a) {
  const BaselineReport r = record_baseline(a);
  std::printf("recorded %zu predictions of commit %s as the accepted model in %s\n", r.predictions, r.commit.c_str(),
              r.state_dir.c_str());
}

void setup(CLI::App& root) {
  auto* ci = root.add_subcommand("ci", "Continuous integration for ML models with statistical guarantees (ease.ml/ci)");
  ci->require_subcommand(1);

  auto sa = std::make_shared<SamplesRequest>();
  auto samples_json = std::make_shared<bool>(false);
  auto* samples = ci->add_subcommand("samples", "Examples and labels a condition needs, and which bound gives them");
  samples->add_option("--config", sa->config, "read the settings from this .ternci.yml/.easeml.yml");
  samples->add_option("--condition", sa->condition, "e.g. 'n - o > 0.02 +/- 0.01'");
  samples->add_option("--reliability", sa->reliability, "1 - delta")->capture_default_str();
  samples->add_option("--mode", sa->mode, "fp-free | fn-free")->capture_default_str();
  samples->add_option("--adaptivity", sa->adaptivity, "none | firstChange | full")->capture_default_str();
  samples->add_option("--steps", sa->steps, "H: commits per test set")->capture_default_str();
  samples->add_option_function<double>(
      "--d-bound", [sa](const double& v) { sa->d_bound = v; },
      "expected upper bound on d, in (0, 1] (enables the Bennett estimate)");
  samples->add_option("--new-predictions", sa->new_predictions, "measure d (label-free) from two prediction files");
  samples->add_option("--old-predictions", sa->old_predictions, "the accepted model's predictions");
  samples->add_flag("--json", *samples_json, "print JSON");
  samples->callback([sa, samples_json] { run_samples(*sa, *samples_json); });

  auto ca = std::make_shared<CheckRequest>();
  auto* check = ci->add_subcommand("check", "Test this commit's model against the last accepted one (exit 0 pass, 1 fail, 2 error)");
  check->add_option("--config", ca->config, "configuration file (default: .ternci.yml or .easeml.yml here)");
  check->add_option("--predictions", ca->predictions, "the new model's predictions (default: run the configured script)");
  check->add_option("--labels", ca->labels, "the test set's labels (IDX or one class a line)");
  check->add_option("--commit", ca->commit, "commit id to record (default: git HEAD)");
  check->add_option("--state", ca->state, "state directory (default: the config's state, .ternci)");
  check->callback([ca] { run_check_cmd(*ca); });

  auto ba = std::make_shared<CheckRequest>();
  auto* baseline = ci->add_subcommand("baseline", "Record a model as the accepted (old) model without testing it");
  baseline->add_option("--config", ba->config, "configuration file");
  baseline->add_option("--predictions", ba->predictions, "its predictions (default: run the configured script)");
  baseline->add_option("--labels", ba->labels, "the test set's labels (default: the config's)");
  baseline->add_option("--commit", ba->commit, "commit id to record (default: git HEAD)");
  baseline->add_option("--state", ba->state, "state directory");
  baseline->callback([ba] { run_baseline(*ba); });

  auto status_config = std::make_shared<std::string>(), status_state = std::make_shared<std::string>();
  auto status_json = std::make_shared<bool>(false);
  auto* status = ci->add_subcommand("status", "What the CI remembers: test set, budget used, accepted model, history");
  status->add_option("--config", *status_config, "configuration file (default: .ternci.yml or .easeml.yml here)");
  status->add_option("--state", *status_state, "state directory (default: the config's)");
  status->add_flag("--json", *status_json, "print JSON");
  status->callback([=] {
    const StatusReport r = ci_status(*status_config, *status_state);
    const State& s = r.state;
    if (*status_json) {
      std::printf("%s\n", nlohmann::json({{"state_dir", r.state_dir},
                                          {"testset", s.testset},
                                          {"test_size", s.test_size},
                                          {"steps_used", s.steps_used},
                                          {"retired", s.retired},
                                          {"accepted_commit", s.accepted_commit},
                                          {"accepted_digest", r.accepted_digest},
                                          {"history", s.history.size()},
                                          {"sealed_lines", r.sealed_lines}})
                                .dump()
                                .c_str());
      return;
    }
    std::printf("%s: accepted model %s, %lld step(s) used on test set %s (%lld examples)%s, %zu history entries\n",
                r.state_dir.c_str(), r.has_accepted ? s.accepted_commit.c_str() : "(none)",
                static_cast<long long>(s.steps_used), s.testset.empty() ? "(none)" : s.testset.c_str(),
                static_cast<long long>(s.test_size), s.retired ? ", retired" : "", s.history.size());
  });

  auto force = std::make_shared<bool>(false);
  auto* hook = ci->add_subcommand("install-hook", "Run `tern ci check` from git's pre-push hook");
  hook->add_flag("--force", *force, "replace an existing pre-push hook");
  hook->callback([force] { std::printf("installed %s\n", install_pre_push_hook(*force).c_str()); });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
