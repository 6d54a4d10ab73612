#include "tern/distributed/ddp/powersgd_reducer.h"

#include <cmath>

#include "tern/base/philox.h"
#include "tern/distributed/collectives/collectives.h"

namespace tern::distributed::ddp {
namespace {

// out (n x r) = a (n x m) * b (m x r), all row-major.
void matmul(const float* a, const float* b, float* out, int64_t n, int64_t m, int64_t r) {
  std::fill_n(out, n * r, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < m; ++k) {
      const float x = a[i * m + k];
      for (int64_t j = 0; j < r; ++j) out[i * r + j] += x * b[k * r + j];
    }
}

// out (m x r) = a^T (a is n x m) * p (n x r).
void matmul_tn(const float* a, const float* p, float* out, int64_t n, int64_t m, int64_t r) {
  std::fill_n(out, m * r, 0.0f);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < m; ++k) {
      const float x = a[i * m + k];
      for (int64_t j = 0; j < r; ++j) out[k * r + j] += x * p[i * r + j];
    }
}

// Orthonormal columns by modified Gram-Schmidt (p is n x r, row-major); a
// column that vanishes stays zero.
void orthonormalize(float* p, int64_t n, int64_t r) {
  for (int64_t j = 0; j < r; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < n; ++i) dot += static_cast<double>(p[i * r + j]) * p[i * r + k];
      for (int64_t i = 0; i < n; ++i) p[i * r + j] -= static_cast<float>(dot) * p[i * r + k];
    }
    double norm = 0;
    for (int64_t i = 0; i < n; ++i) norm += static_cast<double>(p[i * r + j]) * p[i * r + j];
    const float inv = norm > 1e-30 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (int64_t i = 0; i < n; ++i) p[i * r + j] *= inv;
  }
}

}  // namespace

PowerSgdReducer::PowerSgdReducer(int64_t rank, uint64_t seed) : rank_(rank), seed_(seed) {
  TERN_CHECK(rank >= 1, "PowerSGD rank must be >= 1, got ", rank);
}

void PowerSgdReducer::reduce(comm::Communicator& comm, std::span<float> bucket, std::span<const BucketSlot> slots) {
  const int64_t r = rank_;
  // A matrix is worth compressing when P and Q are smaller than it.
  std::vector<const BucketSlot*> matrices;
  std::vector<float> plain;
  for (const BucketSlot& s : slots) {
    if (s.rows > 1 && (s.rows + s.cols) * r < s.rows * s.cols) matrices.push_back(&s);
    else plain.insert(plain.end(), bucket.begin() + s.offset, bucket.begin() + s.offset + s.numel);
  }
  collectives::allreduce(comm, std::span<float>(plain));
  int64_t pos = 0;
  for (const BucketSlot& s : slots)
    if (!(s.rows > 1 && (s.rows + s.cols) * r < s.rows * s.cols)) {
      std::copy_n(plain.begin() + pos, s.numel, bucket.begin() + s.offset);
      pos += s.numel;
    }
  if (matrices.empty()) return;

  // M = gradient + error; P = M Q for every matrix, summed in one all-reduce.
  int64_t p_total = 0, q_total = 0;
  for (const BucketSlot* s : matrices) {
    MatrixState& st = state_[s->id];
    if (st.q.empty()) {  // the same start on every rank: Philox(seed, parameter)
      st.q.resize(s->cols * r);
      for (size_t i = 0; i < st.q.size(); ++i)
        st.q[i] = static_cast<float>(Philox::bits(seed_ * 7919 + s->id, i)) / 4294967296.0f - 0.5f;
      st.error.assign(s->numel, 0.0f);
    }
    float* m = bucket.data() + s->offset;
    for (int64_t i = 0; i < s->numel; ++i) m[i] += st.error[i];
    p_total += s->rows * r;
    q_total += s->cols * r;
  }
  std::vector<float> ps(p_total), qs(q_total);
  int64_t po = 0;
  for (const BucketSlot* s : matrices) {
    MatrixState& st = state_[s->id];
    orthonormalize(st.q.data(), s->cols, r);
    matmul(bucket.data() + s->offset, st.q.data(), ps.data() + po, s->rows, s->cols, r);
    po += s->rows * r;
  }
  collectives::allreduce(comm, std::span<float>(ps));
  // Q = M^T orth(P), summed; the approximation of the sum is P Q^T.
  po = 0;
  int64_t qo = 0;
  for (const BucketSlot* s : matrices) {
    orthonormalize(ps.data() + po, s->rows, r);
    matmul_tn(bucket.data() + s->offset, ps.data() + po, qs.data() + qo, s->rows, s->cols, r);
    po += s->rows * r;
    qo += s->cols * r;
  }
  collectives::allreduce(comm, std::span<float>(qs));
  po = qo = 0;
  const float inv_world = 1.0f / static_cast<float>(comm.size());
  for (const BucketSlot* s : matrices) {
    MatrixState& st = state_[s->id];
    float* m = bucket.data() + s->offset;
    const float* p = ps.data() + po;
    const float* q = qs.data() + qo;
    for (int64_t i = 0; i < s->rows; ++i)
      for (int64_t j = 0; j < s->cols; ++j) {
        float sum = 0;
        for (int64_t k = 0; k < r; ++k) sum += p[i * r + k] * q[j * r + k];
        const int64_t idx = i * s->cols + j;
        st.error[idx] = m[idx] - sum * inv_world;  // what this rank's contribution lost
        m[idx] = sum;
      }
    std::copy_n(q, s->cols * r, st.q.begin());  // warm start
    po += s->rows * r;
    qo += s->cols * r;
  }
}

}  // namespace tern::distributed::ddp
