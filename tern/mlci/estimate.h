// How many test examples (and labels) a CI configuration needs.
//
// Baseline (ease.ml/ci reference, Hoeffding): for a clause with k variables,
// coefficient magnitudes c_j and tolerance eps, every variable is estimated
// to within eps/(k c_j), one-sided, with
//   N = max_j c_j^2 k^2 ln(1/delta') / (2 eps^2),
//   delta' = (1 - reliability) / (k * clauses * H)     (none, firstChange)
//   delta' = (1 - reliability) / (k * clauses * 2^H)   (full: one union over
//                                                       all result histories)
// and rounded as the reference does: round-half-even(N + 0.5), which is
// ceil(N) unless N is an integer. Every example needs a label.
//
// Optimised (Renggli et al., SysML'19, section 4): the failure budget delta is
// split evenly over "tests" (each clause, plus the label-free d test when
// hierarchical testing has to establish a bound on d itself), and
//  - clauses over d alone need no labels (d compares two predictions);
//  - a clause a*(n - o) with d <= p gets Bennett's inequality with variance
//    p and range 1: N = ln(2 * tests * H' / delta) / (p h(eps/|a| / p)),
//    h(u) = (1+u) ln(1+u) - u, H' = H or 2^H (the paper's convention);
//  - active labelling: n - o only changes on examples where the models
//    disagree, so only those need labels, about p * N of them.
// Where Bennett is no better than Hoeffding for a clause, Hoeffding is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tern/mlci/settings.h"

namespace tern::mlci {

// ln of the number of result histories a union bound covers: ln H for
// none/firstChange, H ln 2 for full.
double log_histories(const Settings& s);

// The reference's unrounded Hoeffding size for one clause.
double hoeffding_clause_size(const Settings& s, const Clause& c);
// The reference's rounding: nearest-even of (x + 0.5).
int64_t reference_round(double x);
// The baseline: examples (= labels) for the whole condition, reference-exact.
int64_t hoeffding_examples(const Settings& s);

// h(u) = (1 + u) ln(1 + u) - u, accurate for small u.
double bennett_h(double u);
// Examples for a difference clause with d <= p, tolerance eps (already divided
// by |a|) and ln(1/delta_test) where delta_test includes the two-sidedness.
int64_t bennett_examples(double p, double eps, double log_inv_delta);
// Smallest tolerance that N examples guarantee under Bennett with variance p.
double bennett_tolerance(int64_t n, double p, double log_inv_delta);
// Tolerance that N examples guarantee for a one-sided Hoeffding estimate of
// a [0,1] mean with failure log_inv_delta: sqrt(ln(1/delta) / (2N)).
double hoeffding_tolerance(int64_t n, double log_inv_delta);

// One row of a sample-size report: what is estimated, by which bound, and
// what it costs. Every figure the CLI prints comes from one of these.
struct EstimateLine {
  std::string clause;  // clause text, or "d (hierarchical)" for the d test
  std::string bound;   // "hoeffding", "bennett(p=0.12)", "hoeffding (label-free)"
  int64_t examples = 0;
  int64_t labels = 0;  // labels needed (expected, for active labelling)
  std::string note;
};

struct Plan {
  std::string name;  // "hoeffding (baseline)" or "optimised"
  std::vector<EstimateLine> lines;
  int64_t examples = 0;  // max over lines: one test set serves all clauses
  int64_t labels = 0;    // max over lines of labels
};

// Where the optimised plan gets its bound p on d:
//  - a clause "d < A +/- e" in the condition gives p = A (the d test runs
//    first on unlabeled data; a commit that fails it fails);
//  - otherwise `d_bound`, a bound the label-free hierarchical d test is
//    expected to confirm (an extra test in the delta split);
//  - otherwise no variance bound: Hoeffding with active labelling only.
struct OptimiseOptions {
  std::optional<double> d_bound;
};

Plan plan_hoeffding(const Settings& s);
Plan plan_optimised(const Settings& s, const OptimiseOptions& opt = {});

// The bound on d a condition implies by itself, if any (smallest A over
// clauses "d < A +/- e").
std::optional<double> condition_d_bound(const Condition& c);
// Number of tests the optimised plan splits delta over.
int optimised_tests(const Settings& s, bool hierarchical_d);

}  // namespace tern::mlci
