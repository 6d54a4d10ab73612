#include "tern/mlci/settings.h"

#include <cmath>

#include "tern/base/error.h"

namespace tern::mlci {

namespace {
// The offending spelling, cut and escaped so the message stays one line.
std::string shown(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) out += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : '?';
  return s.size() > 40 ? out + "..." : out;
}
}  // namespace

Mode parse_mode(std::string_view s) {
  if (s == "fp-free") return Mode::kFpFree;
  if (s == "fn-free") return Mode::kFnFree;
  TERN_FAIL("mode: expected fp-free or fn-free, got '", shown(s), "'");
}

Adaptivity parse_adaptivity(std::string_view s) {
  if (s == "none") return Adaptivity::kNone;
  if (s == "firstChange" || s == "first-change" || s == "hybrid") return Adaptivity::kFirstChange;
  if (s == "full") return Adaptivity::kFull;
  TERN_FAIL("adaptivity: expected none, firstChange (or hybrid) or full, got '", shown(s), "'");
}

const char* mode_name(Mode m) { return m == Mode::kFpFree ? "fp-free" : "fn-free"; }

const char* adaptivity_name(Adaptivity a) {
  switch (a) {
    case Adaptivity::kNone: return "none";
    case Adaptivity::kFirstChange: return "firstChange";
    case Adaptivity::kFull: return "full";
  }
  return "?";
}

void validate(const Settings& s) {
  TERN_CHECK(s.reliability > 0.0 && s.reliability < 1.0 && std::isfinite(s.reliability),
             "reliability: expected a probability strictly between 0 and 1 (e.g. 0.999), got ", s.reliability);
  TERN_CHECK(s.steps >= 1 && s.steps <= 1000000, "steps: expected an integer between 1 and 1000000, got ",
             s.steps);
  TERN_CHECK(!s.condition.clauses.empty(), "condition: expected at least one clause");
}

}  // namespace tern::mlci
