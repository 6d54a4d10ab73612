#include "tern/mlci/estimate.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <sstream>

#include "tern/base/error.h"

namespace tern::mlci {

namespace {

constexpr double kLn2 = 0.69314718055994530942;

double histories_factor_log(Adaptivity a, int64_t steps) {
  return a == Adaptivity::kFull ? static_cast<double>(steps) * kLn2 : std::log(static_cast<double>(steps));
}

std::string fmt_double(double x) {
  std::ostringstream os;
  os.precision(4);
  os << x;
  return os.str();
}

int64_t ceil_count(double x) {
  TERN_CHECK(std::isfinite(x) && x < 9e15, "sample size overflows: the configuration asks for ", x,
             " examples; loosen reliability, eps or steps");
  return static_cast<int64_t>(std::ceil(x - 1e-9 * std::max(1.0, x)));
}

// ln(1/delta') for one variable of a clause with k variables when delta is
// split over `tests` tests: delta' = delta / (k * tests * H').
double log_inv_delta_prime(const Settings& s, int k, int tests) {
  if (s.adaptivity == Adaptivity::kFull && s.steps <= 1000) {
    // Same operations as the reference, so results are integer-exact with it.
    const double delta = s.delta() / (static_cast<double>(k) * tests * std::ldexp(1.0, static_cast<int>(s.steps)));
    return -std::log(delta);
  }
  if (s.adaptivity != Adaptivity::kFull) {
    const double delta = s.delta() / (static_cast<double>(k) * tests * static_cast<double>(s.steps));
    return -std::log(delta);
  }
  return -std::log(s.delta()) + std::log(static_cast<double>(k) * tests) + histories_factor_log(s.adaptivity, s.steps);
}

double hoeffding_clause(const Settings& s, const Clause& c, int tests) {
  const int k = c.num_vars();
  const double log_inv = log_inv_delta_prime(s, k, tests);
  double worst = 0.0;
  for (double coef : c.coef)
    if (coef != 0.0) worst = std::max(worst, coef * coef * k * k * log_inv / (2.0 * c.eps * c.eps));
  return worst;
}

// The bound on d a label-free clause implies, if it bounds d from above.
std::optional<double> clause_d_bound(const Clause& c) {
  if (!c.label_free()) return std::nullopt;
  const double a = c.coef[static_cast<int>(Var::kDisagree)];
  if (a > 0 && c.cmp == Cmp::kLess) return c.threshold / a;
  if (a < 0 && c.cmp == Cmp::kGreater) return c.threshold / a;
  return std::nullopt;
}

}  // namespace

double log_histories(const Settings& s) { return histories_factor_log(s.adaptivity, s.steps); }

double hoeffding_clause_size(const Settings& s, const Clause& c) {
  return hoeffding_clause(s, c, static_cast<int>(s.condition.clauses.size()));
}

int64_t reference_round(double x) {
  TERN_CHECK(std::isfinite(x) && x < 9e15, "sample size overflows: the configuration asks for ", x,
             " examples; loosen reliability, eps or steps");
  // Python's round() is round-half-even; nearbyint uses the current mode,
  // which is round-to-nearest-even unless someone changed it.
  const int saved = std::fegetround();
  std::fesetround(FE_TONEAREST);
  const double r = std::nearbyint(x + 0.5);
  std::fesetround(saved);
  return static_cast<int64_t>(r);
}

int64_t hoeffding_examples(const Settings& s) {
  validate(s);
  double worst = 0.0;
  for (const Clause& c : s.condition.clauses) worst = std::max(worst, hoeffding_clause_size(s, c));
  return reference_round(worst);
}

double bennett_h(double u) {
  TERN_ASSERT(u >= 0.0);
  // (1+u) log1p(u) - u loses digits for tiny u; its series is u^2/2 - u^3/6 + u^4/12.
  if (u < 1e-4) return u * u / 2.0 - u * u * u / 6.0 + u * u * u * u / 12.0;
  return (1.0 + u) * std::log1p(u) - u;
}

int64_t bennett_examples(double p, double eps, double log_inv_delta) {
  TERN_CHECK(p > 0.0 && p <= 1.0, "bound on d: expected a value in (0, 1], got ", p);
  TERN_CHECK(eps > 0.0, "tolerance: expected a positive value, got ", eps);
  return ceil_count(log_inv_delta / (p * bennett_h(eps / p)));
}

double bennett_tolerance(int64_t n, double p, double log_inv_delta) {
  TERN_CHECK(n > 0, "bennett_tolerance: expected a positive number of examples, got ", n);
  const double target = log_inv_delta / static_cast<double>(n);
  // p h(eps/p) grows in eps; bisect for p h(eps/p) = target.
  double lo = 0.0, hi = 1.0;
  while (p * bennett_h(hi / p) < target && hi < 1e6) hi *= 2.0;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    (p * bennett_h(mid / p) < target ? lo : hi) = mid;
  }
  return hi;
}

double hoeffding_tolerance(int64_t n, double log_inv_delta) {
  TERN_CHECK(n > 0, "hoeffding_tolerance: expected a positive number of examples, got ", n);
  return std::sqrt(log_inv_delta / (2.0 * static_cast<double>(n)));
}

std::optional<double> condition_d_bound(const Condition& c) {
  std::optional<double> best;
  for (const Clause& cl : c.clauses)
    if (auto b = clause_d_bound(cl); b && (!best || *b < *best)) best = b;
  // d is a fraction: a bound above 1 says nothing more than 1; one at or
  // below 0 cannot hold, so it gives Bennett no usable variance.
  if (best && *best <= 0.0) return std::nullopt;
  if (best) best = std::min(*best, 1.0);
  return best;
}

int optimised_tests(const Settings& s, bool hierarchical_d) {
  return static_cast<int>(s.condition.clauses.size()) + (hierarchical_d ? 1 : 0);
}

Plan plan_hoeffding(const Settings& s) {
  validate(s);
  Plan plan;
  plan.name = "hoeffding (baseline)";
  for (const Clause& c : s.condition.clauses) {
    EstimateLine line;
    line.clause = c.text;
    line.bound = "hoeffding";
    line.examples = reference_round(hoeffding_clause_size(s, c));
    line.labels = line.examples;
    line.note = "k=" + std::to_string(c.num_vars()) + ", every example labelled";
    plan.lines.push_back(line);
  }
  plan.examples = hoeffding_examples(s);
  plan.labels = plan.examples;
  return plan;
}

Plan plan_optimised(const Settings& s, const OptimiseOptions& opt) {
  validate(s);
  Plan plan;
  plan.name = "optimised";
  const std::optional<double> from_condition = condition_d_bound(s.condition);
  bool has_difference = false;
  for (const Clause& c : s.condition.clauses) has_difference |= c.is_difference();
  // Hierarchical testing: without a d clause, a label-free d test must confirm
  // the bound, and it takes its own share of delta.
  const bool hierarchical_d = has_difference && !from_condition && opt.d_bound.has_value();
  std::optional<double> p = from_condition ? from_condition : opt.d_bound;
  if (p) TERN_CHECK(*p > 0.0 && *p <= 1.0, "bound on d: expected a value in (0, 1], got ", *p);
  const int tests = optimised_tests(s, hierarchical_d);
  const double log_inv_two_sided = std::log(2.0 * tests) + log_histories(s) - std::log(s.delta());

  if (hierarchical_d) {
    EstimateLine line;
    line.clause = "d (hierarchical)";
    line.bound = "hoeffding (label-free)";
    line.note = "d <= " + fmt_double(*p) + " is checked on unlabeled predictions first; no labels";
    plan.lines.push_back(line);
  }
  for (const Clause& c : s.condition.clauses) {
    EstimateLine line;
    line.clause = c.text;
    const int64_t hoeff = ceil_count(hoeffding_clause(s, c, tests));
    if (c.label_free()) {
      line.bound = "hoeffding (label-free)";
      line.examples = hoeff;
      line.labels = 0;
      line.note = "d needs predictions only";
    } else if (c.is_difference() && p) {
      const double eps = c.eps / std::abs(c.coef[0]);
      const int64_t ben = bennett_examples(*p, eps, log_inv_two_sided);
      if (ben < hoeff) {
        line.bound = "bennett(p=" + fmt_double(*p) + ")";
        line.examples = ben;
      } else {
        line.bound = "hoeffding";
        line.examples = hoeff;
      }
      line.labels = ceil_count(*p * static_cast<double>(line.examples));
      line.note = "active labelling: only disagreements (<= " + fmt_double(*p) + " of examples) need labels";
    } else if (c.is_difference()) {
      line.bound = "hoeffding";
      line.examples = hoeff;
      line.labels = hoeff;
      line.note = "no bound on d given: active labelling saves an unknown share";
    } else {
      line.bound = "hoeffding";
      line.examples = hoeff;
      line.labels = hoeff;
      line.note = "k=" + std::to_string(c.num_vars()) + ", every example labelled";
    }
    plan.lines.push_back(line);
  }
  for (const auto& line : plan.lines) {
    plan.examples = std::max(plan.examples, line.examples);
    plan.labels = std::max(plan.labels, line.labels);
  }
  return plan;
}

}  // namespace tern::mlci
