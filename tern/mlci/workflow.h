// The ease.ml/ci workflow in a git repository, behind `tern ci`: settings
// from a config file or flags, this commit's id from git, the model's
// predictions from a file or the configured script, and the pre-push hook.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tern/mlci/check.h"
#include "tern/mlci/config.h"
#include "tern/mlci/decide.h"
#include "tern/mlci/estimate.h"
#include "tern/mlci/state.h"

namespace tern::mlci {

// The config at `path` (default: .ternci.yml or .easeml.yml in the current
// directory) with its labels, state and script resolved relative to the
// config file's folder.
Config load_config_here(const std::string& path);

// HEAD's commit id, with "+dirty" when tracked files changed. Throws
// ValueError outside a git work tree or before the first commit.
std::string git_commit();

struct SamplesRequest {
  std::string config;     // settings from this file, or from the fields below
  std::string condition;  // e.g. "n - o > 0.02 +/- 0.01"
  double reliability = 0.999;
  std::string mode = "fp-free", adaptivity = "full";
  int64_t steps = 32;
  std::optional<double> d_bound;  // an expected upper bound on d, in (0, 1]
  std::string new_predictions, old_predictions;  // measure d (label-free) from both
};

struct SamplesReport {
  Settings settings;
  Plan hoeffding, optimised;
  double label_saving = 0;        // hoeffding labels / optimised labels
  std::optional<double> d_hat;    // with the two prediction files
  int64_t unlabeled_examples = 0;
  std::optional<double> d_bound_from_predictions;
};

// How many examples and labels the condition needs, plain and optimised.
SamplesReport plan_samples(const SamplesRequest& r);

struct CheckRequest {
  std::string config, predictions, labels, commit, state;  // empty: the config's (or git's) value
};

// Tests this commit's model against the accepted one (ease.ml/ci's check).
CheckOutcome check_commit(const CheckRequest& r);

struct BaselineReport {
  size_t predictions = 0;
  std::string commit, state_dir;
};
// Records a model as the accepted one without testing it.
BaselineReport record_baseline(const CheckRequest& r);

struct StatusReport {
  std::string state_dir;
  State state;                   // after completing an interrupted commit, if any
  bool has_accepted = false;
  std::string accepted_digest;   // fingerprint of accepted.txt's predictions ("" without)
  int64_t sealed_lines = 0;      // lines in sealed.log
};
// What the CI remembers (`tern ci status`): loading it completes an
// interrupted commit (state.h's journal).
StatusReport ci_status(const std::string& config, const std::string& state_dir);

// Writes git's pre-push hook running `<this program> ci check`; returns its
// path. Throws ValueError if one exists and !force.
std::string install_pre_push_hook(bool force);

}  // namespace tern::mlci
