// The batch-norm kernels, written once over a row-loop policy
// (row_loops.h): norm.cc instantiates them with InOrder (the reference
// kernels), tern/ops/cpu/simd_kernels.cc with SimdRows.
#pragma once

#include <algorithm>
#include <cmath>

#include "tern/ops/op_helpers.h"
#include "tern/ops/row_loops.h"

namespace tern::ops {

// batch_norm(x, weight, bias, running_mean, running_var) -> y, save_mean, save_invstd
// ints = {training}, floats = {momentum, eps}. running_* of shape [0] = none.
struct BnGeom {
  int64_t n, c, inner;
};
inline BnGeom bn_geom(const Tensor& x) {
  BnGeom g{x.shape()[0], x.shape()[1], 1};
  for (int64_t d = 2; d < x.dim(); ++d) g.inner *= x.shape()[d];
  return g;
}

template <typename Rows>
void batch_norm_kernel(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]);
  const BnGeom g = bn_geom(x);
  const bool training = k.attrs.i(0) != 0;
  const double momentum = k.attrs.f(0), eps = k.attrs.f(1);
  const bool has_running = k.in[3].numel() > 0;
  TERN_FLOAT_SWITCH(x.dtype(), "batch_norm", [&] {
    const T* xp = x.data<T>();
    const T* w = k.in[1].data<T>();
    const T* b = k.in[2].data<T>();
    T* rm = has_running ? k.in[3].data<T>() : nullptr;
    T* rv = has_running ? k.in[4].data<T>() : nullptr;
    T* y = k.out[0].data<T>();
    T* sm = k.out[1].data<T>();
    T* si = k.out[2].data<T>();
    const double m = static_cast<double>(g.n * g.inner);
    parallel_for(g.c, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double mean, var;
        if (training) {
          // Per row: sums in T (Rows decides the order), accumulated in double.
          double s = 0, ss = 0;
          for (int64_t n = 0; n < g.n; ++n) s += Rows::sum(xp + (n * g.c + c) * g.inner, g.inner);
          mean = s / m;
          const T mu = static_cast<T>(mean);
          for (int64_t n = 0; n < g.n; ++n) ss += Rows::sum_sq_dev(xp + (n * g.c + c) * g.inner, mu, g.inner);
          var = ss / m;
          if (rm) {
            rm[c] = static_cast<T>((1 - momentum) * rm[c] + momentum * mean);
            rv[c] = static_cast<T>((1 - momentum) * rv[c] + momentum * var * m / std::max(m - 1, 1.0));
          }
        } else {
          mean = rm[c];
          var = rv[c];
        }
        const double invstd = 1.0 / std::sqrt(var + eps);
        sm[c] = static_cast<T>(mean);
        si[c] = static_cast<T>(invstd);
        const T scale = static_cast<T>(w[c] * invstd), shift = static_cast<T>(b[c] - mean * w[c] * invstd);
        for (int64_t n = 0; n < g.n; ++n) {
          const T* p = xp + (n * g.c + c) * g.inner;
          T* q = y + (n * g.c + c) * g.inner;
          for (int64_t i = 0; i < g.inner; ++i) q[i] = p[i] * scale + shift;
        }
      }
    });
  });
}

// batch_norm_grad(gout, x, weight, save_mean, save_invstd) -> gx, gweight, gbias
template <typename Rows>
void batch_norm_grad_kernel(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), x = as_contiguous(k.in[1]);
  const BnGeom g = bn_geom(x);
  const bool training = k.attrs.i(0) != 0;
  TERN_FLOAT_SWITCH(x.dtype(), "batch_norm_grad", [&] {
    const T* gp = go.data<T>();
    const T* xp = x.data<T>();
    const T* w = k.in[2].data<T>();
    const T* sm = k.in[3].data<T>();
    const T* si = k.in[4].data<T>();
    T* gx = k.out[0].data<T>();
    T* gw = k.out[1].data<T>();
    T* gb = k.out[2].data<T>();
    const double m = static_cast<double>(g.n * g.inner);
    parallel_for(g.c, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const double mean = sm[c], invstd = si[c];
        double sg = 0, sgx = 0;
        const T mu = static_cast<T>(mean);
        for (int64_t n = 0; n < g.n; ++n) {
          T rg, rgx;
          Rows::sum_and_dot_dev(gp + (n * g.c + c) * g.inner, xp + (n * g.c + c) * g.inner, mu, g.inner, &rg, &rgx);
          sg += rg;
          sgx += rgx;
        }
        gb[c] = static_cast<T>(sg);
        gw[c] = static_cast<T>(sgx * invstd);
        const double scale = w[c] * invstd;
        // training: gx = w*invstd * (g - mean(g) - xhat * mean(g*xhat))
        const double a = training ? sg / m : 0.0;
        const double b = training ? sgx * invstd * invstd / m : 0.0;
        // gx = k1 * g + k2 * x + k0, all in T so the loop vectorises.
        const T k1 = static_cast<T>(scale), k2 = static_cast<T>(-scale * b),
                k0 = static_cast<T>(scale * (mean * b - a));
        for (int64_t n = 0; n < g.n; ++n) {
          const int64_t at = (n * g.c + c) * g.inner;
          Rows::affine2(gx + at, gp + at, xp + at, k1, k2, k0, g.inner);
        }
      }
    });
  });
}

}  // namespace tern::ops
