// The row loops of tern/ops/row_loops.h under `omp simd`: the reductions may
// be reassociated into vector lanes (not bit-identical to InOrder's
// left-to-right sums; within the op_db tolerance). Kernel templates
// instantiated with this policy live in simd_kernels.cc.
#pragma once

#include <cstdint>

namespace tern::ops::cpu {

struct SimdRows {
  template <typename T>
  static T sum(const T* p, int64_t n) {
    T s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += p[i];
    return s;
  }
  template <typename T>
  static T sum_sq_dev(const T* p, T mu, int64_t n) {
    T s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < n; ++i) s += (p[i] - mu) * (p[i] - mu);
    return s;
  }
  template <typename T>
  static void sum_and_dot_dev(const T* g, const T* p, T mu, int64_t n, T* sg, T* sgx) {
    T rg = 0, rgx = 0;
#pragma omp simd reduction(+ : rg, rgx)
    for (int64_t i = 0; i < n; ++i) {
      rg += g[i];
      rgx += g[i] * (p[i] - mu);
    }
    *sg = rg;
    *sgx = rgx;
  }
  template <typename T>
  static void affine2(T* r, const T* g, const T* p, T k1, T k2, T k0, int64_t n) {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) r[i] = k1 * g[i] + k2 * p[i] + k0;
  }
};

}  // namespace tern::ops::cpu
