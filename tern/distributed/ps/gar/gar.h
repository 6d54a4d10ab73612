// Gradient aggregation rules (GARs) for Byzantine-resilient SGD: a server
// receives n gradients of which up to f may be arbitrary (NaN, huge,
// crafted) and combines them into one. AggregaThor (Damaskinos et al., SysML
// 2019) runs Multi-Krum and Bulyan; centered clipping (Karimireddy et al.,
// ICML 2021) and nearest-neighbour mixing (Allouah et al., AISTATS 2023) are
// the later rules that resist attacks Krum does not.
//
// Every rule reads n rows of d floats and writes d floats. Conventions shared
// by all rules (and by the reference implementation in gar_test.cc):
//  - squared distances are exact differences (no ||a||^2+||b||^2-2ab unless
//    asked for), accumulated in double; a NaN distance counts as +inf;
//  - orderings are total: a value (or score) is compared as a number with
//    NaN above +inf, and ties go to the lower row index;
//  - the n/f preconditions are checked when a rule is built, with one line
//    that names the failing bound ("bulyan needs n >= 4f+3, got n=10 f=2").
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tern/base/registry.h"

namespace tern::distributed::ps::gar {

using Rows = std::span<const std::span<const float>>;

// How the pairwise distances are computed. kDirect: blocked sum of squared
// differences (exact up to float rounding of each block's partial sum);
// kGemm: blocked Gram matrices through the GEMM path (tern::matmul), then
// ||a||^2+||b||^2-2ab, with the pairs that lose too many digits to
// cancellation recomputed directly.
enum class DistanceMethod { kDirect, kGemm };

// n x n row-major matrix of squared L2 distances (diagonal 0; NaN -> +inf).
// Splits d over num_threads() threads (each its own partial matrix, summed
// in a fixed order, so a given thread count always gives the same result).
std::vector<double> pairwise_sq_distances(Rows rows, DistanceMethod method = DistanceMethod::kDirect);

// The total order of the rules: a < b as numbers, NaN above everything.
inline bool nan_last_less(double a, double b) {
  if (a != a) return false;
  if (b != b) return true;
  return a < b;
}

// The comparators (i < j: min to i) of a sorting network for n values.
std::vector<std::pair<int, int>> sorting_network(int n);

// Krum scores: for each row, the sum of its k smallest distances to the
// other rows (of `alive`, when given: rows with alive[i] == 0 are ignored).
std::vector<double> krum_scores(const std::vector<double>& dist, int n, int k, const std::vector<char>* alive = nullptr);
// The m rows of lowest score (ties: lower index), in that order.
std::vector<int> lowest(const std::vector<double>& scores, int m, const std::vector<char>* alive = nullptr);

// Element-wise mean of the given rows (all of them when `which` is empty).
void mean_of(Rows rows, std::span<const int> which, std::span<float> out);

// What one aggregation did, for tests and reports.
struct Trace {
  std::vector<int> selected;  // Krum / Multi-Krum / Bulyan: the rows chosen, in selection order
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string name() const = 0;
  // rows.size() must equal the n the rule was built for.
  virtual void aggregate(Rows rows, std::span<float> out) = 0;
  const Trace& trace() const { return trace_; }

 protected:
  Trace trace_;
};

// The settings every rule is built from (the factory's Args add the rest).
struct RuleShape {
  int n = 0;  // gradients per aggregation
  int f = 0;  // Byzantine ones tolerated
};

// Names: mean, median, trimmed-mean, krum, multi-krum (m, default n-f-2),
// bulyan (theta default n-2f, El Mhamdi et al.; theta=aggregathor for
// n-2f-2; beta = theta-2f), cclip (tau, iters), and nnm-<rule> for
// nearest-neighbour mixing before any of them. Every rule takes the
// argument "distances" (direct or gemm) where it computes distances.
using Registry = tern::Registry<std::unique_ptr<Rule>(RuleShape)>;
const Registry& registry();
std::unique_ptr<Rule> make_rule(const std::string& name, const Args& args, RuleShape shape);

// ---- the rules themselves (the registry builds these) -----------------------

class Mean final : public Rule {
 public:
  explicit Mean(RuleShape s);
  std::string name() const override { return "mean"; }
  void aggregate(Rows rows, std::span<float> out) override;

 private:
  RuleShape s_;
};

// Coordinate-wise median over the finite values (NaN and +-inf are dropped;
// mean of the two middle values for an even count; 0 where none is finite);
// n >= 2f+1.
class Median final : public Rule {
 public:
  explicit Median(RuleShape s);
  std::string name() const override { return "median"; }
  void aggregate(Rows rows, std::span<float> out) override;

 private:
  RuleShape s_;
};

// Coordinate-wise over the finite values: drop the f largest and f smallest
// less one per non-finite value dropped (those count against f), average
// the rest; n >= 2f+1.
class TrimmedMean final : public Rule {
 public:
  explicit TrimmedMean(RuleShape s);
  std::string name() const override { return "trimmed-mean"; }
  void aggregate(Rows rows, std::span<float> out) override;

 private:
  RuleShape s_;
};

// Multi-Krum (Blanchard et al. 2017): score = sum of squared distances to the
// n-f-2 nearest other rows; average the m lowest-scoring rows (m = 1: Krum).
// Needs n >= 2f+3 and 1 <= m <= n-f.
class MultiKrum final : public Rule {
 public:
  MultiKrum(RuleShape s, int m, DistanceMethod method, bool krum_name);
  std::string name() const override { return krum_name_ ? "krum" : "multi-krum"; }
  void aggregate(Rows rows, std::span<float> out) override;

 private:
  RuleShape s_;
  int m_;
  DistanceMethod method_;
  bool krum_name_;
};

// Bulyan (El Mhamdi et al. 2018): select theta rows by repeated Krum over the
// rows not yet selected (each time scoring by the r-f-2 nearest of the r
// remaining rows, at least 1), then per coordinate average the beta =
// theta-2f selected values closest to their median (the lower median; ties:
// the lower value; the median itself counts first). Needs n >= 4f+3 and
// 2f+1 <= theta <= n-2f. The default is the paper's theta = n-2f;
// AggregaThor's code uses n-2f-2 (theta=aggregathor; beta is then n-4f-2).
class Bulyan final : public Rule {
 public:
  Bulyan(RuleShape s, int theta, DistanceMethod method);
  std::string name() const override { return "bulyan"; }
  void aggregate(Rows rows, std::span<float> out) override;
  int theta() const { return theta_; }
  int beta() const { return theta_ - 2 * s_.f; }

 private:
  RuleShape s_;
  int theta_;
  DistanceMethod method_;
};

// Centered clipping (Karimireddy, He and Jaggi 2021):
//   v <- v + (1/n) sum_i (x_i - v) min(1, tau / ||x_i - v||), `iters` times,
// starting from the previous round's output (zero at first). Rows with a
// non-finite entry contribute nothing (as if clipped to v). n >= 1, any f
// (the radius, not f, bounds the damage).
class CenteredClipping final : public Rule {
 public:
  CenteredClipping(RuleShape s, double tau, int iters);
  std::string name() const override { return "cclip"; }
  void aggregate(Rows rows, std::span<float> out) override;
  // The centre the next aggregation starts from (empty: zeros).
  std::vector<float>& center() { return center_; }

 private:
  RuleShape s_;
  double tau_;
  int iters_;
  std::vector<float> center_;
};

// Nearest-neighbour mixing (Allouah et al. 2023): each row is replaced by
// the mean of its n-f nearest rows (itself first, then by distance, ties to
// the lower index), then `inner` aggregates the mixed rows. n >= 2f+1.
class NearestNeighbourMixing final : public Rule {
 public:
  NearestNeighbourMixing(RuleShape s, std::unique_ptr<Rule> inner, DistanceMethod method);
  std::string name() const override { return "nnm-" + inner_->name(); }
  void aggregate(Rows rows, std::span<float> out) override;
  // The rows each mixed row averaged, per row (for tests).
  const std::vector<std::vector<int>>& neighbours() const { return neighbours_; }
  Rule& inner() { return *inner_; }

 private:
  RuleShape s_;
  std::unique_ptr<Rule> inner_;
  DistanceMethod method_;
  std::vector<std::vector<float>> mixed_;
  std::vector<std::vector<int>> neighbours_;
};

// The neighbour sets NNM uses, from a distance matrix.
std::vector<std::vector<int>> nnm_neighbours(const std::vector<double>& dist, int n, int f);

}  // namespace tern::distributed::ps::gar
