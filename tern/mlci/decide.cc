#include "tern/mlci/decide.h"

#include <cmath>

#include "tern/base/error.h"

namespace tern::mlci {

Estimates measure(const std::vector<int64_t>& labels, const std::vector<int64_t>& new_pred,
                  const std::vector<int64_t>& old_pred) {
  TERN_CHECK(labels.size() == new_pred.size() && labels.size() == old_pred.size(),
             "expected labels and both models' predictions for the same examples, got ", labels.size(),
             " labels, ", new_pred.size(), " new and ", old_pred.size(), " old predictions");
  TERN_CHECK(!labels.empty(), "expected a non-empty test set");
  Estimates e;
  int64_t n_ok = 0, o_ok = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    n_ok += new_pred[i] == labels[i];
    o_ok += old_pred[i] == labels[i];
    e.disagreements += new_pred[i] != old_pred[i];
  }
  e.examples = static_cast<int64_t>(labels.size());
  const double m = static_cast<double>(e.examples);
  e.n = n_ok / m;
  e.o = o_ok / m;
  e.d = e.disagreements / m;
  return e;
}

double disagreement(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  TERN_CHECK(a.size() == b.size() && !a.empty(), "expected two non-empty prediction lists of equal length, got ",
             a.size(), " and ", b.size());
  int64_t k = 0;
  for (size_t i = 0; i < a.size(); ++i) k += a[i] != b[i];
  return static_cast<double>(k) / static_cast<double>(a.size());
}

bool clause_passes(const Clause& c, Mode mode, double value) {
  const double slack = mode == Mode::kFpFree ? c.eps : -c.eps;
  return c.cmp == Cmp::kGreater ? value > c.threshold + slack : value < c.threshold - slack;
}

bool passes(const Settings& s, double n, double o, double d) {
  for (const Clause& c : s.condition.clauses)
    if (!clause_passes(c, s.mode, c.lhs({n, o, d}))) return false;
  return true;
}

Decision decide(const Settings& s, double n, double o, double d) {
  Decision out;
  out.pass = true;
  for (const Clause& c : s.condition.clauses) {
    ClauseVerdict v;
    v.clause = c.text;
    v.value = c.lhs({n, o, d});
    v.pass = clause_passes(c, s.mode, v.value);
    out.pass = out.pass && v.pass;
    out.clauses.push_back(v);
  }
  return out;
}

std::optional<double> hierarchical_d_bound(const Settings& s, int64_t n, double d_hat) {
  bool has_difference = false;
  for (const Clause& c : s.condition.clauses) has_difference |= c.is_difference();
  if (!has_difference || condition_d_bound(s.condition) || n <= 0) return std::nullopt;
  // ln(1/delta_d) for the one-sided label-free d test, one of `tests` shares.
  const int tests = optimised_tests(s, true);
  const double log_inv = std::log(static_cast<double>(tests)) + log_histories(s) - std::log(s.delta());
  return std::min(1.0, d_hat + hoeffding_tolerance(n, log_inv));
}

Requirement requirement(const Settings& s, int64_t test_size, double d_hat) {
  Requirement r;
  r.baseline = plan_hoeffding(s);
  OptimiseOptions opt;
  opt.d_bound = hierarchical_d_bound(s, test_size, d_hat);
  Plan optimised = plan_optimised(s, opt);
  const auto p = condition_d_bound(s.condition) ? condition_d_bound(s.condition) : opt.d_bound;
  r.p = p ? *p : -1.0;
  // Fewest labels among the plans this test set can carry; if none fits,
  // fewest labels overall (that is what the next test set should hold).
  const bool opt_fits = optimised.examples <= test_size, base_fits = r.baseline.examples <= test_size;
  bool use_opt = optimised.labels < r.baseline.labels;
  if (opt_fits != base_fits) use_opt = opt_fits;
  r.plan = use_opt ? optimised : r.baseline;
  r.active_labelling = use_opt && optimised.labels < optimised.examples;
  r.enough = test_size >= r.plan.examples;
  return r;
}

}  // namespace tern::mlci
