// `tern ci check` as a library call: one commit's model against the last
// accepted one, with the test-set budget kept in the state directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tern/mlci/config.h"

namespace tern::mlci {

struct CheckInput {
  Config config;
  std::vector<int64_t> labels;    // the test set's labels
  std::vector<int64_t> new_pred;  // the commit's model on the test set
  std::string commit;             // git commit id (for the history)
};

enum class Verdict { kPass, kFail, kSealed, kNeedTestSet };

struct CheckOutcome {
  Verdict verdict = Verdict::kNeedTestSet;
  bool passed = false;                 // the real result (also when sealed)
  std::vector<std::string> report;     // what the developer may see
  int exit_code = 2;                   // 0 pass/sealed, 1 fail, 2 cannot check
};

// Records `predictions` as the accepted model without testing it (the first
// model of a project, a new test set, or a manual decision). `testset` is the
// fingerprint of the labels they were predicted on ("" if not known yet: the
// next check binds them to its test set).
void set_baseline(const std::string& state_dir, const std::vector<int64_t>& predictions, const std::string& commit,
                  const std::string& testset = "");

CheckOutcome run_check(const CheckInput& in);

}  // namespace tern::mlci
