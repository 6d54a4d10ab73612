// f32 conv2d forward and gradients as im2col + OpenBLAS GEMM, processed in
// chunks of samples so the column buffer stays small (<= ~16 MB).
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "tern/ops/conv_internal.h"
#include "tern/ops/cpu/cpu_kernels.h"
#include "tern/ops/op_helpers.h"

namespace tern::ops::cpu {
namespace {

constexpr int64_t kColBudget = 4 << 20;  // floats per column buffer

// col[(ci*kh+ky)*kw+kx][s*oh*ow + oy*ow + ox] for samples [n0, n0+ns), group g.
void im2col(const float* x, const ConvGeom& g, int64_t n0, int64_t ns, int64_t group, float* col) {
  const int64_t cpg = g.c / g.groups, cols = ns * g.oh * g.ow;
  parallel_for(cpg * g.kh * g.kw, 1, [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      const int64_t ci = row / (g.kh * g.kw), ky = (row / g.kw) % g.kh, kx = row % g.kw;
      float* dst = col + row * cols;
      for (int64_t s = 0; s < ns; ++s) {
        const float* src = x + ((n0 + s) * g.c + group * cpg + ci) * g.h * g.w;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
          float* d = dst + (s * g.oh + oy) * g.ow;
          if (iy < 0 || iy >= g.h) {
            std::fill(d, d + g.ow, 0.0f);
            continue;
          }
          const float* srow = src + iy * g.w;
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t ix = ox * g.sw - g.pw + kx * g.dw;
            d[ox] = (ix >= 0 && ix < g.w) ? srow[ix] : 0.0f;
          }
        }
      }
    }
  });
}

// The inverse scatter-add of im2col into gx.
void col2im(const float* col, const ConvGeom& g, int64_t n0, int64_t ns, int64_t group, float* gx) {
  const int64_t cpg = g.c / g.groups, cols = ns * g.oh * g.ow;
  parallel_for(ns * cpg, 1, [&](int64_t b, int64_t e) {
    for (int64_t sc = b; sc < e; ++sc) {
      const int64_t s = sc / cpg, ci = sc % cpg;
      float* dst = gx + ((n0 + s) * g.c + group * cpg + ci) * g.h * g.w;
      for (int64_t ky = 0; ky < g.kh; ++ky)
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const float* src = col + ((ci * g.kh + ky) * g.kw + kx) * cols + s * g.oh * g.ow;
          for (int64_t oy = 0; oy < g.oh; ++oy) {
            const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int64_t ox = 0; ox < g.ow; ++ox) {
              const int64_t ix = ox * g.sw - g.pw + kx * g.dw;
              if (ix >= 0 && ix < g.w) dst[iy * g.w + ix] += src[oy * g.ow + ox];
            }
          }
        }
    }
  });
}

int64_t chunk_samples(const ConvGeom& g) {
  const int64_t per = (g.c / g.groups) * g.kh * g.kw * g.oh * g.ow;
  return std::clamp<int64_t>(kColBudget / std::max<int64_t>(per, 1), 1, g.n);
}

bool is_f32(const KernelArgs& k) { return k.in[0].dtype() == DType::f32 && k.in[1].dtype() == DType::f32; }

// out[n, oc, :] for a chunk is computed as W_g [ocg x K] @ col [K x ns*ohw]
// into a scratch [ocg x ns*ohw], then scattered to NCHW.
void conv_fwd(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const ConvGeom g = conv_geom(x.shape(), w.shape(), Conv2dAttrs::from(k.attrs));
  const int64_t ocg = g.oc / g.groups, kdim = (g.c / g.groups) * g.kh * g.kw, ohw = g.oh * g.ow;
  const int64_t chunk = chunk_samples(g);
  const float* bias = k.nin > 2 ? as_contiguous(k.in[2]).data<float>() : nullptr;
  float* y = k.out[0].data<float>();
  const bool direct_1x1 = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 && g.groups == 1;
  if (direct_1x1) {  // no im2col: x[n] is already [C x HW]
    for (int64_t n = 0; n < g.n; ++n)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.oc, ohw, g.c, 1.0f, w.data<float>(), g.c,
                  x.data<float>() + n * g.c * ohw, ohw, 0.0f, y + n * g.oc * ohw, ohw);
  } else {
    Tensor col = Tensor::empty({kdim * chunk * ohw});
    Tensor tmp = Tensor::empty({ocg * chunk * ohw});
    for (int64_t n0 = 0; n0 < g.n; n0 += chunk) {
      const int64_t ns = std::min(chunk, g.n - n0);
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        im2col(x.data<float>(), g, n0, ns, grp, col.data<float>());
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, ocg, ns * ohw, kdim, 1.0f,
                    w.data<float>() + grp * ocg * kdim, kdim, col.data<float>(), ns * ohw, 0.0f, tmp.data<float>(), ns * ohw);
        const float* t = tmp.data<float>();
        parallel_for(ns * ocg, 4, [&](int64_t b, int64_t e) {
          for (int64_t so = b; so < e; ++so) {
            const int64_t s = so / ocg, o = so % ocg;
            std::memcpy(y + ((n0 + s) * g.oc + grp * ocg + o) * ohw, t + (o * ns + s) * ohw, ohw * sizeof(float));
          }
        });
      }
    }
  }
  if (bias) {
    parallel_for(g.n * g.oc, 16, [&](int64_t b, int64_t e) {
      for (int64_t no = b; no < e; ++no) {
        float* p = y + no * ohw;
        const float v = bias[no % g.oc];
        for (int64_t i = 0; i < ohw; ++i) p[i] += v;
      }
    });
  }
}

// Gathers gout[n0:n0+ns, group's channels] into [ocg x ns*ohw].
void gather_gout(const float* gout, const ConvGeom& g, int64_t n0, int64_t ns, int64_t grp, float* dst) {
  const int64_t ocg = g.oc / g.groups, ohw = g.oh * g.ow;
  parallel_for(ns * ocg, 4, [&](int64_t b, int64_t e) {
    for (int64_t so = b; so < e; ++so) {
      const int64_t s = so / ocg, o = so % ocg;
      std::memcpy(dst + (o * ns + s) * ohw, gout + ((n0 + s) * g.oc + grp * ocg + o) * ohw, ohw * sizeof(float));
    }
  });
}

void conv_grad_input(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const Conv2dGradAttrs a = Conv2dGradAttrs::from(k.attrs);  // a.shape: the input's
  const ConvGeom g = conv_geom(a.shape, w.shape(), a.conv);
  const int64_t ocg = g.oc / g.groups, kdim = (g.c / g.groups) * g.kh * g.kw, ohw = g.oh * g.ow;
  const int64_t chunk = chunk_samples(g);
  float* gx = k.out[0].data<float>();
  std::memset(gx, 0, k.out[0].nbytes());
  Tensor col = Tensor::empty({kdim * chunk * ohw});
  Tensor gg = Tensor::empty({ocg * chunk * ohw});
  for (int64_t n0 = 0; n0 < g.n; n0 += chunk) {
    const int64_t ns = std::min(chunk, g.n - n0);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gather_gout(go.data<float>(), g, n0, ns, grp, gg.data<float>());
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, ns * ohw, ocg, 1.0f, w.data<float>() + grp * ocg * kdim,
                  kdim, gg.data<float>(), ns * ohw, 0.0f, col.data<float>(), ns * ohw);
      col2im(col.data<float>(), g, n0, ns, grp, gx);
    }
  }
}

void conv_grad_weight(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), x = as_contiguous(k.in[1]);
  const Conv2dGradAttrs a = Conv2dGradAttrs::from(k.attrs);  // a.shape: the weight's
  const ConvGeom g = conv_geom(x.shape(), a.shape, a.conv);
  const int64_t ocg = g.oc / g.groups, kdim = (g.c / g.groups) * g.kh * g.kw, ohw = g.oh * g.ow;
  const int64_t chunk = chunk_samples(g);
  float* gw = k.out[0].data<float>();
  std::memset(gw, 0, k.out[0].nbytes());
  Tensor col = Tensor::empty({kdim * chunk * ohw});
  Tensor gg = Tensor::empty({ocg * chunk * ohw});
  for (int64_t n0 = 0; n0 < g.n; n0 += chunk) {
    const int64_t ns = std::min(chunk, g.n - n0);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gather_gout(go.data<float>(), g, n0, ns, grp, gg.data<float>());
      im2col(x.data<float>(), g, n0, ns, grp, col.data<float>());
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, ocg, kdim, ns * ohw, 1.0f, gg.data<float>(), ns * ohw,
                  col.data<float>(), ns * ohw, 1.0f, gw + grp * ocg * kdim, kdim);
    }
  }
}

}  // namespace

void register_im2col_kernels() {
  register_kernel(OpKind::conv2d, DeviceType::cpu, {"im2col_openblas", 10, is_f32, conv_fwd});
  register_kernel(OpKind::conv2d_grad_input, DeviceType::cpu, {"im2col_openblas", 10, is_f32, conv_grad_input});
  register_kernel(OpKind::conv2d_grad_weight, DeviceType::cpu, {"im2col_openblas", 10, is_f32, conv_grad_weight});
}

}  // namespace tern::ops::cpu
