// Evaluating a condition on a test set and deciding pass/fail under a mode.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/mlci/estimate.h"
#include "tern/mlci/settings.h"

namespace tern::mlci {

// Empirical n (new accuracy), o (old accuracy), d (disagreement) over the
// test set, and how many labels the estimate actually consulted.
struct Estimates {
  double n = 0, o = 0, d = 0;
  int64_t examples = 0;
  int64_t disagreements = 0;
};
Estimates measure(const std::vector<int64_t>& labels, const std::vector<int64_t>& new_pred,
                  const std::vector<int64_t>& old_pred);
// d alone: needs no labels.
double disagreement(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

struct ClauseVerdict {
  std::string clause;
  double value = 0;  // the clause's left-hand side on the test set
  bool pass = false;
};
struct Decision {
  bool pass = false;
  std::vector<ClauseVerdict> clauses;
};

// fp-free passes a clause "lhs > A +/- e" only if the estimate exceeds A + e
// (so, with probability 1 - delta, a passing commit meets the condition);
// fn-free passes it if the estimate exceeds A - e (so a commit that meets
// the condition passes). "<" mirrors this. The condition passes if every
// clause does.
Decision decide(const Settings& s, double n, double o, double d);
// The same rule for one clause whose left-hand side is `value`, and for the
// whole condition without building a report (for simulations).
bool clause_passes(const Clause& c, Mode mode, double value);
bool passes(const Settings& s, double n, double o, double d);

// What a test set of `test_size` examples supports for these settings, given
// the disagreement d_hat measured on it (label-free). When the condition has
// no d clause, the hierarchical d test turns d_hat into the bound
// p = d_hat + hoeffding tolerance and takes its own share of delta.
struct Requirement {
  Plan plan;        // the cheaper of the baseline and the optimised plan
  Plan baseline;    // Hoeffding, for comparison
  double p = -1;    // bound on d used (-1: none)
  bool enough = false;
  bool active_labelling = false;  // labels are needed on disagreements only
};
Requirement requirement(const Settings& s, int64_t test_size, double d_hat);

// The hierarchical d test: from the disagreement d_hat measured (without
// labels) on n examples, an upper bound on d that holds with its share of
// delta. Empty when the condition has no n - o clause or bounds d itself.
std::optional<double> hierarchical_d_bound(const Settings& s, int64_t n, double d_hat);

}  // namespace tern::mlci
