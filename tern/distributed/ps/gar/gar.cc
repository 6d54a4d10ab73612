#include "tern/distributed/ps/gar/gar.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstring>
#include <numeric>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ps::gar {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int64_t kDistBlock = 1024;   // coordinates per distance block (n rows of it, widened, stay in L2)
constexpr int64_t kCoordBlock = 256;   // coordinates gathered at once by the coordinate-wise rules
constexpr int64_t kGemmBlock = 16384;  // coordinates per Gram block on the GEMM path

void check_rows(Rows rows, std::span<float> out, int n, const char* rule) {
  TERN_CHECK(static_cast<int>(rows.size()) == n, rule, " was built for n=", n, " gradients, got ", rows.size());
  for (const auto& r : rows)
    TERN_CHECK(r.size() == out.size(), rule, ": every gradient must have ", out.size(), " values, one has ", r.size());
}

// Sum of squared differences of one block of doubles, vectorised for the CPU at hand.
__attribute__((target_clones("avx512f", "avx2", "default"))) double block_ssd(const double* a, const double* b,
                                                                             int64_t len) {
  double acc = 0.0;
#pragma omp simd reduction(+ : acc)
  for (int64_t k = 0; k < len; ++k) {
    const double t = a[k] - b[k];
    acc += t * t;
  }
  return acc;
}

// float -> double for one block (exact), so that every difference and
// square is exact and only the sums round: distances then agree with a
// plain double-precision loop to ~1e-15, and near-ties fall the same way.
__attribute__((target_clones("avx512f", "avx2", "default"))) void widen(const float* src, double* dst, int64_t len) {
#pragma omp simd
  for (int64_t k = 0; k < len; ++k) dst[k] = src[k];
}

double direct_pair(const std::span<const float>& a, const std::span<const float>& b) {
  double s = 0;
  const int64_t d = static_cast<int64_t>(a.size());
  std::vector<double> wa(kDistBlock), wb(kDistBlock);
  for (int64_t c = 0; c < d; c += kDistBlock) {
    const int64_t len = std::min(kDistBlock, d - c);
    widen(a.data() + c, wa.data(), len);
    widen(b.data() + c, wb.data(), len);
    s += block_ssd(wa.data(), wb.data(), len);
  }
  return s;
}

// Threads split d; each widens its part block by block (n rows of a block
// stay in L2) and sums every pair's block into its own matrix.
std::vector<double> direct_distances(Rows rows) {
  const int n = static_cast<int>(rows.size());
  const int64_t d = static_cast<int64_t>(rows[0].size());
  const int parts = static_cast<int>(std::clamp<int64_t>(d / (4 * kDistBlock), 1, std::max(1, num_threads())));
  std::vector<std::vector<double>> partial(parts, std::vector<double>(static_cast<size_t>(n) * n, 0.0));
  parallel_for(parts, 1, [&](int64_t pb, int64_t pe) {
    std::vector<double> wide(static_cast<size_t>(n) * kDistBlock);
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t lo = d * p / parts, hi = d * (p + 1) / parts;
      double* acc = partial[p].data();
      for (int64_t c = lo; c < hi; c += kDistBlock) {
        const int64_t len = std::min(kDistBlock, hi - c);
        for (int i = 0; i < n; ++i) widen(rows[i].data() + c, wide.data() + i * kDistBlock, len);
        for (int i = 0; i < n; ++i)
          for (int j = i + 1; j < n; ++j)
            acc[i * n + j] += block_ssd(wide.data() + i * kDistBlock, wide.data() + j * kDistBlock, len);
      }
    }
  });
  std::vector<double> dist(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < parts; ++p) s += partial[p][i * n + j];
      dist[i * n + j] = dist[j * n + i] = s;
    }
  return dist;
}

// Gram blocks through tern::matmul in float64 (OpenBLAS dgemm on the CPU
// kernels), then ||a||^2+||b||^2-2ab.
std::vector<double> gemm_distances(Rows rows) {
  const int n = static_cast<int>(rows.size());
  const int64_t d = static_cast<int64_t>(rows[0].size());
  std::vector<double> gram(static_cast<size_t>(n) * n, 0.0);
  Tensor block = Tensor::empty({n, std::min(kGemmBlock, d)}, DType::f64);
  for (int64_t c = 0; c < d; c += kGemmBlock) {
    const int64_t len = std::min(kGemmBlock, d - c);
    if (len != block.size(1)) block = Tensor::empty({n, len}, DType::f64);
    double* dst = block.data<double>();
    for (int i = 0; i < n; ++i) widen(rows[i].data() + c, dst + i * len, len);
    const Tensor g = contiguous(matmul(block, transpose(block, 0, 1)));
    const double* gp = g.data<double>();
    for (int i = 0; i < n * n; ++i) gram[i] += gp[i];
  }
  std::vector<double> dist(static_cast<size_t>(n) * n, 0.0);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double norms = gram[i * n + i] + gram[j * n + j];
      double s = norms - 2 * gram[i * n + j];
      // The Gram entries carry ~1e-16 relative error of the norms: where the
      // distance is below 1e-6 of them, fewer than 10 digits would survive,
      // so that pair is recomputed directly.
      if (!std::isfinite(s) || s < 1e-6 * norms) s = direct_pair(rows[i], rows[j]);
      dist[i * n + j] = dist[j * n + i] = s;
    }
  return dist;
}

std::string bound_error(const std::string& rule, const std::string& bound, RuleShape s) {
  return str_cat(rule, " needs ", bound, ", got n=", s.n, " f=", s.f);
}

void check_shape(RuleShape s, const std::string& rule, int min_n, int coeff_f, int plus, const std::string& bound) {
  TERN_CHECK(s.f >= 0, rule, " needs f >= 0, got f=", s.f);
  TERN_CHECK(s.n >= 1, rule, " needs n >= 1, got n=", s.n);
  TERN_CHECK(s.n >= coeff_f * s.f + plus && s.n >= min_n, bound_error(rule, bound, s));
}

// Floats as unsigned keys whose order is nan_last_less's (every NaN one
// key, above +inf), so sorting is branch-free min/max.
inline uint32_t to_key(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if (x != x) return 0xFFFFFFFFu;
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
inline float from_key(uint32_t k) {
  const uint32_t u = k == 0xFFFFFFFFu ? 0x7FC00000u : ((k & 0x80000000u) ? (k & 0x7FFFFFFFu) : ~k);
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void compare_exchange(uint32_t* x, uint32_t* y,
                                                                                  int64_t len) {
#pragma omp simd
  for (int64_t k = 0; k < len; ++k) {
    const uint32_t a = x[k], b = y[k];
    x[k] = a < b ? a : b;
    y[k] = a < b ? b : a;
  }
}

// Calls fn(sorted, c0, len) for every block of kCoordBlock coordinates:
// sorted[r * kCoordBlock + k] is the r-th smallest (nan_last_less) of
// coordinate c0+k over rows[which[0]], rows[which[1]], ... The block is
// sorted lane-parallel by the sorting network, all coordinates at once.
template <typename Fn>
void sorted_blocks(Rows rows, std::span<const int> which, int64_t d, Fn fn) {
  const int m = static_cast<int>(which.size());
  const std::vector<std::pair<int, int>> net = sorting_network(m);
  const int64_t blocks = (d + kCoordBlock - 1) / kCoordBlock;
  parallel_for(blocks, 16, [&](int64_t bb, int64_t be) {
    std::vector<uint32_t> keys(static_cast<size_t>(kCoordBlock) * m);
    std::vector<float> sorted(static_cast<size_t>(kCoordBlock) * m);
    for (int64_t b = bb; b < be; ++b) {
      const int64_t c0 = b * kCoordBlock, len = std::min(kCoordBlock, d - c0);
      for (int r = 0; r < m; ++r) {
        const float* src = rows[which[r]].data() + c0;
        uint32_t* dst = keys.data() + r * kCoordBlock;
        for (int64_t k = 0; k < len; ++k) dst[k] = to_key(src[k]);
      }
      for (const auto& [i, j] : net) compare_exchange(keys.data() + i * kCoordBlock, keys.data() + j * kCoordBlock, len);
      for (int r = 0; r < m; ++r)
        for (int64_t k = 0; k < len; ++k) sorted[r * kCoordBlock + k] = from_key(keys[r * kCoordBlock + k]);
      fn(sorted.data(), c0, len);
    }
  });
}

std::vector<int> all_rows(int n) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

std::vector<double> pairwise_sq_distances(Rows rows, DistanceMethod method) {
  TERN_CHECK(!rows.empty(), "pairwise distances of no gradients");
  for (const auto& r : rows) TERN_CHECK(r.size() == rows[0].size(), "gradients of different sizes");
  std::vector<double> dist = method == DistanceMethod::kGemm ? gemm_distances(rows) : direct_distances(rows);
  for (double& v : dist)
    if (std::isnan(v)) v = kInf;
  return dist;
}

std::vector<std::pair<int, int>> sorting_network(int n) {
  // Batcher's odd-even merge sort, for any n (the comparators that would
  // touch the padding up to a power of two are left out).
  std::vector<std::pair<int, int>> net;
  for (int p = 1; p < n; p <<= 1)
    for (int k = p; k >= 1; k >>= 1)
      for (int j = k % p; j + k < n; j += 2 * k)
        for (int i = 0; i < std::min(k, n - j - k); ++i)
          if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) net.emplace_back(i + j, i + j + k);
  return net;
}

std::vector<double> krum_scores(const std::vector<double>& dist, int n, int k, const std::vector<char>* alive) {
  std::vector<double> scores(n, kInf), mine;
  for (int i = 0; i < n; ++i) {
    if (alive && !(*alive)[i]) continue;
    mine.clear();
    for (int j = 0; j < n; ++j)
      if (j != i && (!alive || (*alive)[j])) mine.push_back(dist[i * n + j]);
    const int kk = std::min<int>(k, static_cast<int>(mine.size()));
    std::partial_sort(mine.begin(), mine.begin() + kk, mine.end(), nan_last_less);
    double s = 0;
    for (int j = 0; j < kk; ++j) s += mine[j];
    scores[i] = s;
  }
  return scores;
}

std::vector<int> lowest(const std::vector<double>& scores, int m, const std::vector<char>* alive) {
  std::vector<int> idx;
  for (int i = 0; i < static_cast<int>(scores.size()); ++i)
    if (!alive || (*alive)[i]) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return nan_last_less(scores[a], scores[b]); });
  idx.resize(std::min<size_t>(idx.size(), static_cast<size_t>(m)));
  return idx;
}

void mean_of(Rows rows, std::span<const int> which, std::span<float> out) {
  const std::vector<int> all = which.empty() ? all_rows(static_cast<int>(rows.size())) : std::vector<int>{};
  const std::span<const int> w = which.empty() ? std::span<const int>(all) : which;
  TERN_CHECK(!w.empty(), "mean of no gradients");
  const int64_t d = static_cast<int64_t>(out.size());
  const double m = static_cast<double>(w.size());
  constexpr int64_t kBlock = 1024;
  // Sums in double, in the order of `which`, rounded once.
  parallel_for((d + kBlock - 1) / kBlock, 16, [&](int64_t bb, int64_t be) {
    double acc[kBlock];
    for (int64_t b = bb; b < be; ++b) {
      const int64_t c0 = b * kBlock, len = std::min(kBlock, d - c0);
      const float* first = rows[w[0]].data() + c0;
      for (int64_t k = 0; k < len; ++k) acc[k] = first[k];
      for (size_t r = 1; r < w.size(); ++r) {
        const float* src = rows[w[r]].data() + c0;
#pragma omp simd
        for (int64_t k = 0; k < len; ++k) acc[k] += src[k];
      }
      float* o = out.data() + c0;
#pragma omp simd
      for (int64_t k = 0; k < len; ++k) o[k] = static_cast<float>(acc[k] / m);
    }
  });
}

// ---- rules ------------------------------------------------------------------

Mean::Mean(RuleShape s) : s_(s) { check_shape(s, "mean", 1, 0, 1, "n >= 1"); }

void Mean::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, "mean");
  mean_of(rows, {}, out);
}

Median::Median(RuleShape s) : s_(s) { check_shape(s, "median", 1, 2, 1, "n >= 2f+1"); }

// In a sorted column v[0], v[kCoordBlock], ... (-inf first, then finite
// values, then +inf and NaN): where the finite values start and how many.
inline std::pair<int, int> finite_range(const float* v, int64_t k, int n) {
  int lo = 0, hi = n;
  while (lo < n && !std::isfinite(v[lo * kCoordBlock + k])) ++lo;  // -inf
  while (hi > lo && !std::isfinite(v[(hi - 1) * kCoordBlock + k])) --hi;  // +inf, NaN
  return {lo, hi - lo};
}

void Median::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, "median");
  const int n = s_.n;
  const std::vector<int> all = all_rows(n);
  sorted_blocks(rows, all, static_cast<int64_t>(out.size()), [&](const float* v, int64_t c0, int64_t len) {
    for (int64_t k = 0; k < len; ++k) {
      const auto [lo, cnt] = finite_range(v, k, n);
      if (cnt == 0) {
        out[c0 + k] = 0;  // no worker sent a usable value: no step on this coordinate
        continue;
      }
      const float a = v[(lo + (cnt - 1) / 2) * kCoordBlock + k], b = v[(lo + cnt / 2) * kCoordBlock + k];
      out[c0 + k] = cnt % 2 ? b : static_cast<float>((static_cast<double>(a) + b) / 2);
    }
  });
}

TrimmedMean::TrimmedMean(RuleShape s) : s_(s) { check_shape(s, "trimmed-mean", 1, 2, 1, "n >= 2f+1"); }

void TrimmedMean::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, "trimmed-mean");
  const int n = s_.n, f = s_.f;
  const std::vector<int> all = all_rows(n);
  sorted_blocks(rows, all, static_cast<int64_t>(out.size()), [&](const float* v, int64_t c0, int64_t len) {
    for (int64_t k = 0; k < len; ++k) {
      // Non-finite values are dropped and count against the f Byzantine
      // workers: trim only what may remain of them from each end.
      const auto [lo, cnt] = finite_range(v, k, n);
      const int trim = std::max(0, std::min(f - (n - cnt), (cnt - 1) / 2));
      double acc = 0;
      for (int i = lo + trim; i < lo + cnt - trim; ++i) acc += v[i * kCoordBlock + k];
      out[c0 + k] = cnt == 0 ? 0.0f : static_cast<float>(acc / (cnt - 2 * trim));
    }
  });
}

MultiKrum::MultiKrum(RuleShape s, int m, DistanceMethod method, bool krum_name)
    : s_(s), m_(m), method_(method), krum_name_(krum_name) {
  const std::string rule = krum_name ? "krum" : "multi-krum";
  check_shape(s, rule, 3, 2, 3, "n >= 2f+3");
  TERN_CHECK(m >= 1 && m <= s.n - s.f, rule, " needs 1 <= m <= n-f, got m=", m, " n=", s.n, " f=", s.f);
}

void MultiKrum::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, name().c_str());
  const std::vector<double> dist = pairwise_sq_distances(rows, method_);
  const std::vector<double> scores = krum_scores(dist, s_.n, s_.n - s_.f - 2);
  trace_.selected = lowest(scores, m_);
  mean_of(rows, trace_.selected, out);
}

Bulyan::Bulyan(RuleShape s, int theta, DistanceMethod method) : s_(s), theta_(theta), method_(method) {
  check_shape(s, "bulyan", 3, 4, 3, "n >= 4f+3");
  TERN_CHECK(theta >= 2 * s.f + 1 && theta <= s.n - 2 * s.f, "bulyan needs 2f+1 <= theta <= n-2f, got theta=", theta,
             " n=", s.n, " f=", s.f);
}

void Bulyan::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, "bulyan");
  const int n = s_.n, f = s_.f;
  const std::vector<double> dist = pairwise_sq_distances(rows, method_);
  std::vector<char> alive(n, 1);
  trace_.selected.clear();
  for (int it = 0; it < theta_; ++it) {
    const int r = n - it;
    const int k = std::clamp(r - f - 2, std::min(1, r - 1), r - 1);
    const int pick = lowest(krum_scores(dist, n, k, &alive), 1, &alive)[0];
    trace_.selected.push_back(pick);
    alive[pick] = 0;
  }
  const int theta = theta_, beta = theta_ - 2 * f, mid = (theta - 1) / 2;
  sorted_blocks(rows, trace_.selected, static_cast<int64_t>(out.size()), [&](const float* v, int64_t c0, int64_t len) {
    for (int64_t k = 0; k < len; ++k) {
      auto at = [&](int r) { return static_cast<double>(v[r * kCoordBlock + k]); };
      const double med = at(mid);
      double sum = med;
      int lo = mid, hi = mid;
      for (int taken = 1; taken < beta; ++taken) {
        const bool has_left = lo > 0, has_right = hi + 1 < theta;
        bool left = has_left;
        if (has_left && has_right) left = !nan_last_less(at(hi + 1) - med, med - at(lo - 1));
        sum += left ? at(--lo) : at(++hi);
      }
      out[c0 + k] = static_cast<float>(sum / beta);
    }
  });
}

CenteredClipping::CenteredClipping(RuleShape s, double tau, int iters) : s_(s), tau_(tau), iters_(iters) {
  check_shape(s, "cclip", 1, 0, 1, "n >= 1");
  TERN_CHECK(tau > 0 && std::isfinite(tau), "cclip needs tau > 0, got ", tau);
  TERN_CHECK(iters >= 1, "cclip needs iters >= 1, got ", iters);
}

void CenteredClipping::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, "cclip");
  const int64_t d = static_cast<int64_t>(out.size());
  if (static_cast<int64_t>(center_.size()) != d) center_.assign(d, 0.0f);
  std::vector<double> acc(d);
  std::vector<double> sq(s_.n);
  for (int it = 0; it < iters_; ++it) {
    const float* v = center_.data();
    for (int i = 0; i < s_.n; ++i) {
      const float* x = rows[i].data();
      double s = 0;
      for (int64_t k = 0; k < d; ++k) {
        const double t = static_cast<double>(x[k]) - v[k];
        s += t * t;
      }
      sq[i] = s;
    }
    std::fill(acc.begin(), acc.end(), 0.0);
    for (int i = 0; i < s_.n; ++i) {
      if (!std::isfinite(sq[i])) continue;
      const double norm = std::sqrt(sq[i]);
      const double scale = norm > tau_ ? tau_ / norm : 1.0;
      const float* x = rows[i].data();
      for (int64_t k = 0; k < d; ++k) acc[k] += scale * (static_cast<double>(x[k]) - v[k]);
    }
    for (int64_t k = 0; k < d; ++k) center_[k] = static_cast<float>(v[k] + acc[k] / s_.n);
  }
  std::copy(center_.begin(), center_.end(), out.begin());
}

std::vector<std::vector<int>> nnm_neighbours(const std::vector<double>& dist, int n, int f) {
  std::vector<std::vector<int>> out(n);
  for (int i = 0; i < n; ++i) {
    std::vector<int> others;
    for (int j = 0; j < n; ++j)
      if (j != i) others.push_back(j);
    std::stable_sort(others.begin(), others.end(),
                     [&](int a, int b) { return nan_last_less(dist[i * n + a], dist[i * n + b]); });
    out[i].push_back(i);
    out[i].insert(out[i].end(), others.begin(), others.begin() + (n - f - 1));
  }
  return out;
}

NearestNeighbourMixing::NearestNeighbourMixing(RuleShape s, std::unique_ptr<Rule> inner, DistanceMethod method)
    : s_(s), inner_(std::move(inner)), method_(method) {
  check_shape(s, "nnm-" + inner_->name(), 1, 2, 1, "n >= 2f+1");
}

void NearestNeighbourMixing::aggregate(Rows rows, std::span<float> out) {
  check_rows(rows, out, s_.n, "nnm");
  const std::vector<double> dist = pairwise_sq_distances(rows, method_);
  neighbours_ = nnm_neighbours(dist, s_.n, s_.f);
  mixed_.resize(s_.n);
  std::vector<std::span<const float>> mixed_rows;
  for (int i = 0; i < s_.n; ++i) {
    mixed_[i].resize(out.size());
    mean_of(rows, neighbours_[i], mixed_[i]);
    mixed_rows.emplace_back(mixed_[i]);
  }
  inner_->aggregate(mixed_rows, out);
  trace_ = inner_->trace();
}

}  // namespace tern::distributed::ps::gar
