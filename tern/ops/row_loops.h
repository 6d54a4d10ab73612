// The inner loops over one contiguous row that some kernel templates take as
// a parameter (reduce_internal.h, norm_internal.h), so each kernel is written
// once and instantiated twice: with InOrder here, plain loops that sum left
// to right (the portable reference kernels), and with cpu::SimdRows
// (tern/ops/cpu/simd_rows.h), the same loops under `omp simd`, which lets the
// compiler split the sums over vector lanes.
#pragma once

#include <cstdint>

namespace tern::ops {

struct InOrder {
  // sum of p[0, n)
  template <typename T>
  static T sum(const T* p, int64_t n) {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += p[i];
    return s;
  }
  // sum of (p[i] - mu)^2
  template <typename T>
  static T sum_sq_dev(const T* p, T mu, int64_t n) {
    T s = 0;
    for (int64_t i = 0; i < n; ++i) s += (p[i] - mu) * (p[i] - mu);
    return s;
  }
  // *sg = sum of g[i], *sgx = sum of g[i] * (p[i] - mu)
  template <typename T>
  static void sum_and_dot_dev(const T* g, const T* p, T mu, int64_t n, T* sg, T* sgx) {
    T rg = 0, rgx = 0;
    for (int64_t i = 0; i < n; ++i) {
      rg += g[i];
      rgx += g[i] * (p[i] - mu);
    }
    *sg = rg;
    *sgx = rgx;
  }
  // r[i] = k1 * g[i] + k2 * p[i] + k0
  template <typename T>
  static void affine2(T* r, const T* g, const T* p, T k1, T k2, T k0, int64_t n) {
    for (int64_t i = 0; i < n; ++i) r[i] = k1 * g[i] + k2 * p[i] + k0;
  }
};

}  // namespace tern::ops
