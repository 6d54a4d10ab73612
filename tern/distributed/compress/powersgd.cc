// PowerSGD (Vogels et al., NeurIPS 2019): a rank-r approximation P Q^T of
// the gradient seen as a rows x cols matrix, from one step of subspace
// iteration warm-started with the previous step's Q, with error feedback.
//
// Shape: the MatrixShape given to encode when rows > 0; otherwise the
// codec's cols=C argument (rows = n / C, C must divide n); otherwise cols =
// the largest divisor of n not above sqrt(n) (a prime n gives an n x 1
// matrix: rank 1, exact and uncompressed).
//
// Stream: [u32 rows][u32 cols][u32 r][rows*r f32 P][cols*r f32 Q], row-major;
// the receiver computes P Q^T and needs no state.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tern/base/error.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/builtin.h"
#include "tern/distributed/compress/byte_io.h"

namespace tern::distributed::compress::detail {

namespace {

MatrixShape default_shape(int64_t n, int64_t cols_arg, MatrixShape given) {
  if (given.rows > 0) {
    TERN_CHECK(given.rows * given.cols == n, "powersgd: shape ", given.rows, "x", given.cols, " does not hold ", n,
               " elements");
    return given;
  }
  if (cols_arg > 0) {
    TERN_CHECK(n % cols_arg == 0, "powersgd: cols=", cols_arg, " does not divide the ", n, " elements");
    return {n / cols_arg, cols_arg};
  }
  int64_t c = 1;
  for (int64_t d = 1; d * d <= n; ++d)
    if (n % d == 0) c = d;
  return {n == 0 ? 0 : n / c, n == 0 ? 0 : c};
}

// Orthonormalises the r columns of the rows x r matrix p (modified
// Gram-Schmidt); a column that vanishes is left at zero.
void orthonormalise(std::vector<float>& p, int64_t rows, int64_t r) {
  for (int64_t k = 0; k < r; ++k) {
    for (int64_t j = 0; j < k; ++j) {
      double dot = 0.0;
      for (int64_t i = 0; i < rows; ++i) dot += double{p[i * r + k]} * p[i * r + j];
      for (int64_t i = 0; i < rows; ++i) p[i * r + k] -= static_cast<float>(dot) * p[i * r + j];
    }
    double sq = 0.0;
    for (int64_t i = 0; i < rows; ++i) sq += double{p[i * r + k]} * p[i * r + k];
    const float inv = sq > 1e-60 ? static_cast<float>(1.0 / std::sqrt(sq)) : 0.0f;
    for (int64_t i = 0; i < rows; ++i) p[i * r + k] *= inv;
  }
}

class PowerSgdCodec final : public Codec {
 public:
  PowerSgdCodec(int64_t rank, int64_t cols, uint64_t seed, bool ef)
      : rank_(rank), cols_(cols), seed_(seed), ef_(ef) {}

  std::string describe() const override {
    return "powersgd rank=" + std::to_string(rank_) + (cols_ > 0 ? " cols=" + std::to_string(cols_) : "") +
           " seed=" + std::to_string(seed_) + (ef_ ? "" : " ef=0");
  }
  bool error_feedback() const override { return ef_; }

  int64_t max_encoded_size(int64_t n, MatrixShape shape) const override {
    const MatrixShape s = default_shape(n, cols_, shape);
    const int64_t r = std::min({rank_, s.rows, s.cols});
    return 12 + 4 * r * (s.rows + s.cols);
  }

  void encode(std::span<const float> src, CodecState& state, std::vector<uint8_t>& out,
              MatrixShape shape) const override {
    const int64_t n = static_cast<int64_t>(src.size());
    const MatrixShape s = default_shape(n, cols_, shape);
    TERN_CHECK(s.rows <= 0xffffffffll && s.cols <= 0xffffffffll, "powersgd: matrix ", s.rows, "x", s.cols,
               " too large");
    const int64_t rows = s.rows, cols = s.cols, r = std::min({rank_, rows, cols});
    fit_state(state, src.size(), ef_);
    std::vector<float> m(src.begin(), src.end());
    if (ef_)
      for (int64_t i = 0; i < n; ++i) m[i] += state.error[i];
    for (float v : m) TERN_CHECK(std::isfinite(v), "powersgd encode: the input (plus error buffer) holds a NaN or infinity");

    // Warm start: reuse last step's Q when it fits this shape and rank.
    std::vector<float>& q = state.aux;
    if (static_cast<int64_t>(q.size()) != cols * r) {
      q.resize(cols * r);
      for (int64_t i = 0; i < cols * r; ++i) q[i] = Philox::normal(seed_, static_cast<uint64_t>(i));
    }
    std::vector<float> p(rows * r, 0.0f);  // P = M Q
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        const float mij = m[i * cols + j];
        for (int64_t k = 0; k < r; ++k) p[i * r + k] += mij * q[j * r + k];
      }
    orthonormalise(p, rows, r);
    std::fill(q.begin(), q.end(), 0.0f);  // Q = M^T P
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        const float mij = m[i * cols + j];
        for (int64_t k = 0; k < r; ++k) q[j * r + k] += mij * p[i * r + k];
      }

    out.clear();
    put(out, static_cast<uint32_t>(rows));
    put(out, static_cast<uint32_t>(cols));
    put(out, static_cast<uint32_t>(r));
    put_array<float>(out, p);
    put_array<float>(out, q);
    if (ef_) {
      decode(out, state.error);
      for (int64_t i = 0; i < n; ++i) state.error[i] = m[i] - state.error[i];
    }
    ++state.step;
  }

  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader rd(stream, "powersgd");
    const uint64_t rows = rd.get<uint32_t>("rows"), cols = rd.get<uint32_t>("cols"), r = rd.get<uint32_t>("rank");
    TERN_CHECK(rows * cols == dst.size(), "powersgd stream corrupted: shape ", rows, "x", cols, " for ", dst.size(),
               " elements");
    TERN_CHECK(r <= std::min(rows, cols), "powersgd stream corrupted: rank ", r, " exceeds the ", rows, "x", cols,
               " matrix");
    auto pb = rd.take(4 * rows * r, "P");
    auto qb = rd.take(4 * cols * r, "Q");
    rd.expect_end();
    std::vector<float> p(rows * r), q(cols * r);
    if (!p.empty()) std::memcpy(p.data(), pb.data(), pb.size());
    if (!q.empty()) std::memcpy(q.data(), qb.data(), qb.size());
    for (uint64_t i = 0; i < rows; ++i)
      for (uint64_t j = 0; j < cols; ++j) {
        float acc = 0.0f;
        for (uint64_t k = 0; k < r; ++k) acc += p[i * r + k] * q[j * r + k];
        dst[i * cols + j] = acc;
      }
  }

 private:
  int64_t rank_, cols_;
  uint64_t seed_;
  bool ef_;
};

}  // namespace

std::unique_ptr<Codec> make_powersgd(const Args& args) {
  const int64_t rank = args.get_int("rank", 4), cols = args.get_int("cols", 0);
  TERN_CHECK(rank >= 1 && rank <= 1024, "powersgd: rank must be in [1, 1024], given ", rank);
  TERN_CHECK(cols >= 0, "powersgd: cols must be >= 0 (0: choose), given ", cols);
  return std::make_unique<PowerSgdCodec>(rank, cols, static_cast<uint64_t>(args.get_int("seed", 0, {.min = 0})),
                                         args.get_bool("ef", true));
}

}  // namespace tern::distributed::compress::detail
