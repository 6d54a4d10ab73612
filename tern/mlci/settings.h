// What a CI configuration asks for: the condition and how reliably it must be
// decided over how many commits. Shared by the config loader, the sample-size
// estimators and the checker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tern/mlci/condition.h"

namespace tern::mlci {

// fp-free: a passing commit meets the condition (no false positives).
// fn-free: a commit that meets the condition passes (no false negatives).
enum class Mode { kFpFree, kFnFree };

// What the developer sees. none: nothing (results go to a sealed log).
// firstChange (ease.ml/ci's "hybrid"): every result until the first one that
// differs from the first result; then the test set is retired.
// full: every result, so later models may adapt to the test set.
enum class Adaptivity { kNone, kFirstChange, kFull };

struct Settings {
  Condition condition;
  double reliability = 0.999;  // 1 - delta, in (0, 1)
  Mode mode = Mode::kFpFree;
  Adaptivity adaptivity = Adaptivity::kFull;
  int64_t steps = 32;  // H: commits one test set must serve
  double delta() const { return 1.0 - reliability; }
};

// Parse and print the enum spellings used in configs and on the command line.
// Unknown spellings throw tern::ValueError listing the accepted ones.
Mode parse_mode(std::string_view s);
Adaptivity parse_adaptivity(std::string_view s);
const char* mode_name(Mode m);
const char* adaptivity_name(Adaptivity a);

// Checks the ranges of reliability and steps; throws tern::ValueError.
void validate(const Settings& s);

}  // namespace tern::mlci
