// The CI configuration file: `.ternci.yml`, or ease.ml/ci's `.easeml.yml`.
//
// Tern layout (a mapping):
//   condition: n - o > 0.02 +/- 0.01
//   reliability: 0.999
//   mode: fp-free            # or fn-free
//   adaptivity: full         # none | firstChange (hybrid) | full
//   steps: 32
//   script: ./predict.sh     # optional: prints one predicted class per line
//   timeout: 3600            # optional: seconds the script may run
//   labels: data/test-labels.gz   # optional: IDX (.gz) or one integer a line
//   d_bound: 0.15            # optional: expected upper bound on d (planning)
//   state: .ternci           # optional: state directory (default .ternci)
//
// ease.ml/ci layout: the same keys under `ml:`, as a list of one-key
// mappings (`- condition : ...`) or as a mapping. Its data_mode and email
// keys are accepted and ignored. Any other key is an error.
//
// Errors throw tern::ValueError as "<file>:<line>:<column>: <what>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tern/mlci/settings.h"

namespace tern::mlci {

struct Config {
  Settings settings;
  std::string script;
  double script_timeout_s = 3600;  // `timeout:` a script that runs longer is stopped and the check errs
  std::string labels;
  std::string state_dir = ".ternci";
  std::optional<double> d_bound;
  std::string source;  // file name, for messages
};

// Parses configuration text; `name` is used in error messages.
Config parse_config(std::string_view text, const std::string& name);
// Reads and parses a file (IOError if it cannot be read).
Config load_config(const std::string& path);
// The first of .ternci.yml, .ternci.yaml, .easeml.yml, .easeml.yaml in `dir`
// that exists; throws if none does.
std::string find_config(const std::string& dir);

}  // namespace tern::mlci
