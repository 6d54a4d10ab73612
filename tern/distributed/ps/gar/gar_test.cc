// The aggregation rules against a plain reference implementation (straight
// loops, double precision) on 1,000 seeded cases: random, NaN/Inf rows,
// duplicated rows (exact ties), small-integer rows (many tied distances and
// coordinates), and the minimal n of each rule. Selected index sets must be
// equal, in order; outputs equal to float rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/distributed/ps/gar/gar.h"

namespace tern::distributed::ps::gar {
namespace {

using Mat = std::vector<std::vector<float>>;
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- reference ---------------------------------------------------------------

bool less_nan_last(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

std::vector<std::vector<double>> ref_distances(const Mat& x) {
  const size_t n = x.size();
  std::vector<std::vector<double>> d(n, std::vector<double>(n, 0.0));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      double s = 0;
      for (size_t k = 0; k < x[i].size(); ++k) {
        const double t = static_cast<double>(x[i][k]) - static_cast<double>(x[j][k]);
        s += t * t;
      }
      d[i][j] = std::isnan(s) ? kInf : s;
    }
  return d;
}

// Krum score of i among the rows in `pool` with k neighbours.
double ref_score(const std::vector<std::vector<double>>& d, int i, const std::vector<int>& pool, int k) {
  std::vector<double> v;
  for (int j : pool)
    if (j != i) v.push_back(d[i][j]);
  std::sort(v.begin(), v.end(), less_nan_last);
  double s = 0;
  for (int t = 0; t < k && t < static_cast<int>(v.size()); ++t) s += v[t];
  return s;
}

// Rows of `pool` by ascending score, ties to the lower index.
std::vector<int> ref_rank(const std::vector<double>& score, std::vector<int> pool) {
  std::sort(pool.begin(), pool.end(), [&](int a, int b) {
    if (less_nan_last(score[a], score[b])) return true;
    if (less_nan_last(score[b], score[a])) return false;
    return a < b;
  });
  return pool;
}

std::vector<float> ref_mean(const Mat& x, const std::vector<int>& which) {
  std::vector<float> out(x[0].size());
  for (size_t k = 0; k < out.size(); ++k) {
    double s = 0;
    for (int i : which) s += x[i][k];
    out[k] = static_cast<float>(s / which.size());
  }
  return out;
}

std::vector<int> iota_n(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

std::vector<float> ref_multi_krum(const Mat& x, int f, int m, std::vector<int>& selected) {
  const int n = static_cast<int>(x.size());
  const auto d = ref_distances(x);
  std::vector<double> score(n);
  for (int i = 0; i < n; ++i) score[i] = ref_score(d, i, iota_n(n), n - f - 2);
  selected = ref_rank(score, iota_n(n));
  selected.resize(m);
  return ref_mean(x, selected);
}

std::vector<float> ref_coordinate(const Mat& x, int f, bool median) {
  const int n = static_cast<int>(x.size());
  std::vector<float> out(x[0].size());
  for (size_t k = 0; k < out.size(); ++k) {
    std::vector<float> v;  // the finite values only: NaN and +-inf are dropped
    for (int i = 0; i < n; ++i)
      if (std::isfinite(x[i][k])) v.push_back(x[i][k]);
    std::sort(v.begin(), v.end());
    const int c = static_cast<int>(v.size());
    if (c == 0) {
      out[k] = 0;
    } else if (median) {
      out[k] = c % 2 ? v[c / 2] : static_cast<float>((static_cast<double>(v[c / 2 - 1]) + v[c / 2]) / 2);
    } else {
      const int trim = std::max(0, std::min(f - (n - c), (c - 1) / 2));  // the dropped ones count against f
      double s = 0;
      for (int i = trim; i < c - trim; ++i) s += v[i];
      out[k] = static_cast<float>(s / (c - 2 * trim));
    }
  }
  return out;
}

std::vector<float> ref_bulyan(const Mat& x, int f, int theta, std::vector<int>& selected) {
  const int n = static_cast<int>(x.size());
  const auto d = ref_distances(x);
  std::vector<int> pool = iota_n(n);
  selected.clear();
  for (int it = 0; it < theta; ++it) {
    const int r = static_cast<int>(pool.size());
    int k = r - f - 2;
    if (k < 1) k = 1;
    if (k > r - 1) k = r - 1;
    std::vector<double> score(n, kInf);
    for (int i : pool) score[i] = ref_score(d, i, pool, k);
    const int pick = ref_rank(score, pool)[0];
    selected.push_back(pick);
    pool.erase(std::find(pool.begin(), pool.end(), pick));
  }
  const int beta = theta - 2 * f;
  std::vector<float> out(x[0].size());
  for (size_t c = 0; c < out.size(); ++c) {
    std::vector<float> v;
    for (int i : selected) v.push_back(x[i][c]);
    std::sort(v.begin(), v.end(), [](float a, float b) { return less_nan_last(a, b); });
    const int mid = (theta - 1) / 2;
    const double med = v[mid];
    // The median first, then the others by distance to it, ties: lower value.
    std::vector<int> rest;
    for (int i = 0; i < theta; ++i)
      if (i != mid) rest.push_back(i);
    std::stable_sort(rest.begin(), rest.end(), [&](int a, int b) {
      const double da = std::fabs(v[a] - med), db = std::fabs(v[b] - med);
      if (less_nan_last(da, db)) return true;
      if (less_nan_last(db, da)) return false;
      return less_nan_last(v[a], v[b]);
    });
    double s = med;
    for (int t = 0; t < beta - 1; ++t) s += v[rest[t]];
    out[c] = static_cast<float>(s / beta);
  }
  return out;
}

std::vector<float> ref_cclip(const Mat& x, double tau, int iters, std::vector<double> v) {
  const size_t d = x[0].size();
  for (int it = 0; it < iters; ++it) {
    std::vector<double> acc(d, 0.0);
    for (const auto& row : x) {
      double s = 0;
      for (size_t k = 0; k < d; ++k) s += (row[k] - v[k]) * (row[k] - v[k]);
      if (!std::isfinite(s)) continue;
      const double norm = std::sqrt(s);
      const double scale = norm > tau ? tau / norm : 1.0;
      for (size_t k = 0; k < d; ++k) acc[k] += scale * (row[k] - v[k]);
    }
    // The rule keeps its centre in float32 between iterations.
    for (size_t k = 0; k < d; ++k) v[k] = static_cast<float>(v[k] + acc[k] / x.size());
  }
  return std::vector<float>(v.begin(), v.end());
}

Mat ref_nnm_mix(const Mat& x, int f, std::vector<std::vector<int>>& neighbours) {
  const int n = static_cast<int>(x.size());
  const auto d = ref_distances(x);
  neighbours.assign(n, {});
  Mat mixed;
  for (int i = 0; i < n; ++i) {
    std::vector<int> others;
    for (int j = 0; j < n; ++j)
      if (j != i) others.push_back(j);
    std::vector<double> score(n);
    for (int j = 0; j < n; ++j) score[j] = d[i][j];
    others = ref_rank(score, others);
    neighbours[i] = {i};
    for (int t = 0; t < n - f - 1; ++t) neighbours[i].push_back(others[t]);
    mixed.push_back(ref_mean(x, neighbours[i]));
  }
  return mixed;
}

// ---- helpers -----------------------------------------------------------------

std::vector<std::span<const float>> spans(const Mat& x) { return {x.begin(), x.end()}; }

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const float a = got[k], b = want[k];
    if (std::isnan(b) || std::isinf(b)) {
      ASSERT_TRUE((std::isnan(a) && std::isnan(b)) || a == b) << what << " coordinate " << k << ": " << a << " vs " << b;
      continue;
    }
    ASSERT_NEAR(a, b, 2e-6 * (1 + std::fabs(b))) << what << " coordinate " << k;
  }
}

struct Case {
  std::string rule;
  Args args;
  int n = 0, f = 0;
  Mat x;
  std::string kind;
};

int min_n(const std::string& rule, int f) {
  std::string base = rule.rfind("nnm-", 0) == 0 ? rule.substr(4) : rule;
  if (base == "krum" || base == "multi-krum") return 2 * f + 3;
  if (base == "bulyan") return 4 * f + 3;
  if (base == "median" || base == "trimmed-mean") return 2 * f + 1;
  if (rule.rfind("nnm-", 0) == 0) return 2 * f + 1;
  return 1;
}

Case make_case(uint64_t seed, bool gemm = false) {
  std::mt19937_64 g(seed);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g); };
  static const std::vector<std::string> rules = {"mean", "median", "trimmed-mean", "krum", "multi-krum",
                                                  "bulyan", "cclip", "nnm-krum", "nnm-multi-krum", "nnm-bulyan",
                                                  "nnm-median", "nnm-cclip"};
  Case c;
  c.rule = rules[seed % rules.size()];
  c.args = Args("aggregation argument ");
  c.f = uni(0, 3);
  const int lo = min_n(c.rule, c.f);
  c.n = uni(0, 2) == 0 ? lo : lo + uni(0, 6);
  if (c.rule.find("multi-krum") != std::string::npos && uni(0, 1)) c.args.set("m", std::to_string(uni(1, c.n - c.f)));
  if (c.rule.find("bulyan") != std::string::npos) {
    const int pick = uni(0, 2);
    if (pick == 1 && c.n - 2 * c.f - 2 >= 2 * c.f + 1) c.args.set("theta", "aggregathor");
    if (pick == 2) c.args.set("theta", std::to_string(uni(2 * c.f + 1, c.n - 2 * c.f)));
  }
  if (c.rule.find("cclip") != std::string::npos) {
    c.args.set("tau", std::to_string(0.1 * uni(1, 30)));
    c.args.set("iters", std::to_string(uni(1, 3)));
  }
  if (gemm) c.args.set("distances", "gemm");
  // Most cases are small; some cross the distance blocks (2048) and the
  // threads' split of d.
  const int d = uni(0, 9) == 0 ? uni(2000, 20000) : uni(1, 40);
  const int kind = gemm ? 0 : uni(0, 4);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  c.x.assign(c.n, std::vector<float>(d));
  for (auto& row : c.x)
    for (float& v : row) v = kind == 3 ? static_cast<float>(uni(-2, 2)) : 1.0f + normal(g);
  switch (kind) {
    case 0: c.kind = "random"; break;
    case 1: {  // up to f (sometimes f+1) bad rows: NaN, Inf, huge
      c.kind = "nan/inf rows";
      const int bad = std::min(c.n - 1, c.f + (uni(0, 4) == 0 ? 1 : 0));
      for (int b = 0; b < bad; ++b) {
        auto& row = c.x[uni(0, c.n - 1)];
        switch (uni(0, 3)) {
          case 0: std::fill(row.begin(), row.end(), std::numeric_limits<float>::quiet_NaN()); break;
          case 1: row[uni(0, d - 1)] = std::numeric_limits<float>::infinity(); break;
          case 2: row[uni(0, d - 1)] = -std::numeric_limits<float>::infinity(); break;
          default: for (float& v : row) v *= 1e6f; break;  // far beyond: 1e12 would make the
          // neighbour order of that row ill-conditioned even in double
        }
      }
      break;
    }
    case 2: {  // duplicated rows: exact ties
      c.kind = "duplicates";
      for (int t = uni(1, std::max(1, c.n / 2)); t > 0; --t) c.x[uni(0, c.n - 1)] = c.x[uni(0, c.n - 1)];
      break;
    }
    case 3: c.kind = "small integers"; break;
    default: {  // everything identical
      c.kind = "all equal";
      for (auto& row : c.x) row = c.x[0];
      break;
    }
  }
  return c;
}

// Runs the reference for a case; `selected` empty when the rule selects nothing.
std::vector<float> reference(const Case& c, const Mat& x, const std::string& rule, std::vector<int>& selected,
                             std::vector<std::vector<int>>* neighbours) {
  selected.clear();
  if (rule.rfind("nnm-", 0) == 0) {
    const Mat mixed = ref_nnm_mix(x, c.f, *neighbours);
    return reference(c, mixed, rule.substr(4), selected, nullptr);
  }
  if (rule == "mean") return ref_mean(x, iota_n(c.n));
  if (rule == "median") return ref_coordinate(x, c.f, true);
  if (rule == "trimmed-mean") return ref_coordinate(x, c.f, false);
  if (rule == "krum") return ref_multi_krum(x, c.f, 1, selected);
  if (rule == "multi-krum")
    return ref_multi_krum(x, c.f, c.args.has("m") ? std::stoi(c.args.get_string("m", "")) : c.n - c.f - 2, selected);
  if (rule == "bulyan") {
    const std::string t = c.args.get_string("theta", "paper");
    const int theta = t == "paper" ? c.n - 2 * c.f : t == "aggregathor" ? c.n - 2 * c.f - 2 : std::stoi(t);
    return ref_bulyan(x, c.f, theta, selected);
  }
  if (rule == "cclip")
    return ref_cclip(x, std::stod(c.args.get_string("tau", "1")), std::stoi(c.args.get_string("iters", "1")),
                     std::vector<double>(x[0].size(), 0.0));
  ADD_FAILURE() << "no reference for " << rule;
  return {};
}

TEST(Gar, MatchesReferenceOn1000SeededCases) {
  set_num_threads(2);
  std::map<std::string, int> per_rule, per_kind;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    const Case c = make_case(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + c.rule + " n=" + std::to_string(c.n) + " f=" +
                 std::to_string(c.f) + " d=" + std::to_string(c.x[0].size()) + " " + c.kind);
    auto rule = make_rule(c.rule, c.args, {c.n, c.f});
    std::vector<float> out(c.x[0].size());
    rule->aggregate(spans(c.x), out);
    std::vector<int> selected;
    std::vector<std::vector<int>> neighbours;
    const std::vector<float> want = reference(c, c.x, c.rule, selected, &neighbours);
    EXPECT_EQ(rule->trace().selected, selected);
    if (auto* nnm = dynamic_cast<NearestNeighbourMixing*>(rule.get())) {
      EXPECT_EQ(nnm->neighbours(), neighbours);
    }
    expect_close(out, want, c.rule);
    if (HasFailure()) return;
    ++per_rule[c.rule];
    ++per_kind[c.kind];
  }
  for (const auto& [name, count] : per_rule) EXPECT_GE(count, 50) << name;
  for (const auto& [name, count] : per_kind) EXPECT_GE(count, 100) << name;
}

// The GEMM path (||a||^2+||b||^2-2ab in float64) is accurate to ~1e-14 of
// the norms, not of each distance: near-ties between huge rows, or between
// the nearly equal rows nearest-neighbour mixing makes, can fall the other
// way, so it is held to the reference on random rows and unmixed rules.
TEST(Gar, GemmPathMatchesReferenceOnRandomCases) {
  set_num_threads(2);
  int checked = 0;
  for (uint64_t seed = 1; seed <= 800; ++seed) {
    const Case c = make_case(seed, true);
    if (c.rule == "mean" || c.rule == "median" || c.rule == "trimmed-mean" || c.rule == "cclip" ||
        c.rule.rfind("nnm-", 0) == 0)
      continue;
    SCOPED_TRACE("seed " + std::to_string(seed) + ": " + c.rule + " n=" + std::to_string(c.n));
    auto rule = make_rule(c.rule, c.args, {c.n, c.f});
    std::vector<float> out(c.x[0].size());
    rule->aggregate(spans(c.x), out);
    std::vector<int> selected;
    std::vector<std::vector<int>> neighbours;
    const std::vector<float> want = reference(c, c.x, c.rule, selected, &neighbours);
    EXPECT_EQ(rule->trace().selected, selected);
    expect_close(out, want, c.rule);
    if (HasFailure()) return;
    ++checked;
  }
  EXPECT_GE(checked, 150);
}

TEST(Gar, PreconditionsNameTheBound) {
  auto message = [](const std::string& rule, int n, int f, Args a = Args("aggregation argument ")) {
    try {
      make_rule(rule, a, {n, f});
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("bulyan", 10, 2), "bulyan needs n >= 4f+3, got n=10 f=2");
  EXPECT_EQ(message("krum", 6, 2), "krum needs n >= 2f+3, got n=6 f=2");
  EXPECT_EQ(message("multi-krum", 4, 1), "multi-krum needs n >= 2f+3, got n=4 f=1");
  EXPECT_EQ(message("median", 4, 2), "median needs n >= 2f+1, got n=4 f=2");
  EXPECT_EQ(message("trimmed-mean", 2, 1), "trimmed-mean needs n >= 2f+1, got n=2 f=1");
  EXPECT_EQ(message("nnm-cclip", 4, 2), "nnm-cclip needs n >= 2f+1, got n=4 f=2");
  Args m("aggregation argument ");
  m.set("m", "10");
  EXPECT_EQ(message("multi-krum", 11, 2, m), "multi-krum needs 1 <= m <= n-f, got m=10 n=11 f=2");
  Args t("aggregation argument ");
  t.set("theta", "4");
  EXPECT_EQ(message("bulyan", 11, 2, t), "bulyan needs 2f+1 <= theta <= n-2f, got theta=4 n=11 f=2");
  EXPECT_EQ(message("bulyan", 11, 2), "no error");
  Args bad("aggregation argument ");
  bad.set("q", "1");
  EXPECT_NE(message("krum", 7, 2, bad).find("takes no aggregation argument q"), std::string::npos);
  EXPECT_NE(message("nope", 7, 2).find("unknown aggregation rule"), std::string::npos);
}

TEST(Gar, RobustRulesIgnoreNanRowsMeanDoesNot) {
  const int n = 11, f = 2, d = 100;
  Mat x(n, std::vector<float>(d, 1.0f));
  for (int i = 0; i < n; ++i) x[i][i] += 0.01f * i;
  for (int b : {3, 7}) std::fill(x[b].begin(), x[b].end(), std::numeric_limits<float>::quiet_NaN());
  for (const std::string rule : {"median", "trimmed-mean", "krum", "multi-krum", "bulyan", "cclip", "nnm-multi-krum", "nnm-cclip", "nnm-median"}) {
    Args a;
    if (rule.find("cclip") != std::string::npos) a.set("tau", "1000");  // one round from 0 reaches the mean
    auto r = make_rule(rule, a, {n, f});
    std::vector<float> out(d);
    r->aggregate(spans(x), out);
    for (float v : out) ASSERT_TRUE(std::isfinite(v)) << rule;
    for (int s : r->trace().selected) EXPECT_TRUE(s != 3 && s != 7) << rule;
    for (int k = 0; k < d; ++k) EXPECT_NEAR(out[k], 1.0f, rule.find("cclip") != std::string::npos ? 0.2f : 0.1f) << rule;
  }
  auto mean = make_rule("mean", Args(), {n, f});
  std::vector<float> out(d);
  mean->aggregate(spans(x), out);
  EXPECT_TRUE(std::isnan(out[0]));
}

TEST(Gar, GemmDistancesAgreeWithDirect) {
  set_num_threads(2);
  std::mt19937 g(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  // Rows far from the origin and close to each other: the case where
  // ||a||^2+||b||^2-2ab cancels.
  Mat x(8, std::vector<float>(50000));
  for (auto& row : x)
    for (float& v : row) v = 100.0f + 1e-2f * normal(g);
  const auto direct = pairwise_sq_distances(spans(x), DistanceMethod::kDirect);
  const auto gemm = pairwise_sq_distances(spans(x), DistanceMethod::kGemm);
  const auto ref = ref_distances(x);
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 8; ++j) {
      EXPECT_NEAR(direct[i * 8 + j], ref[i][j], 1e-5 * ref[i][j] + 1e-12);
      EXPECT_NEAR(gemm[i * 8 + j], ref[i][j], 1e-5 * ref[i][j] + 1e-12);
    }
}

TEST(Gar, SortingNetworkSortsEveryZeroOneInput) {
  // The 0-1 principle: a network that sorts every 0/1 input sorts everything.
  for (int n = 1; n <= 16; ++n) {
    const auto net = sorting_network(n);
    for (uint32_t bits = 0; bits < (1u << n); ++bits) {
      std::vector<int> v(n);
      for (int i = 0; i < n; ++i) v[i] = (bits >> i) & 1;
      for (const auto& [a, b] : net)
        if (v[a] > v[b]) std::swap(v[a], v[b]);
      ASSERT_TRUE(std::is_sorted(v.begin(), v.end())) << "n=" << n << " input " << bits;
    }
  }
  std::mt19937 g(5);
  for (int n = 17; n <= 100; ++n) {
    const auto net = sorting_network(n);
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<int> v(n);
      for (int& x : v) x = static_cast<int>(g() % 7);
      for (const auto& [a, b] : net)
        if (v[a] > v[b]) std::swap(v[a], v[b]);
      ASSERT_TRUE(std::is_sorted(v.begin(), v.end())) << "n=" << n;
    }
  }
}

TEST(Gar, CenteredClippingCarriesItsCentre) {
  // Two rounds: the second starts from the first's output.
  const int n = 5, d = 3;
  Mat x(n, std::vector<float>(d, 0.0f));
  for (int i = 0; i < n; ++i) x[i] = {float(i), 2.0f, -1.0f};
  x[4] = {1000.0f, 1000.0f, 1000.0f};
  Args a;
  a.set("tau", "0.5");
  auto r = make_rule("cclip", a, {n, 1});
  std::vector<float> out(d), out2(d);
  r->aggregate(spans(x), out);
  r->aggregate(spans(x), out2);
  const auto first = ref_cclip(x, 0.5, 1, std::vector<double>(d, 0.0));
  const auto second = ref_cclip(x, 0.5, 1, std::vector<double>(first.begin(), first.end()));
  expect_close(out, first, "round 1");
  expect_close(out2, second, "round 2");
  // Every row moves the centre by at most tau/n, so a round by at most tau.
  EXPECT_LE(std::fabs(out2[0] - out[0]), 0.5f + 1e-6f);
}

}  // namespace
}  // namespace tern::distributed::ps::gar
