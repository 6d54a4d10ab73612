// Max and average pooling (NCHW). max_pool2d returns the values and the flat
// h*w index of each maximum (its gradient routes through them); avg_pool2d
// counts padding in the divisor (as PyTorch's default).
#include <climits>
#include <limits>

#include "tern/ops/pool_internal.h"

namespace tern {
namespace ops {

PoolGeom pool_geom(const Shape& x, const Pool2dAttrs& a, const char* op) {
  TERN_CHECK(x.size() == 4, op, ": input must be [N, C, H, W], got ", shape_str(x));
  PoolGeom g{x[0], x[1], x[2], x[3], a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.pad_h, a.pad_w, 0, 0};
  TERN_CHECK(g.kh > 0 && g.kw > 0 && g.sh > 0 && g.sw > 0, op, ": kernel and stride must be positive");
  TERN_CHECK(g.ph >= 0 && g.pw >= 0 && 2 * g.ph <= g.kh && 2 * g.pw <= g.kw, op,
             ": padding must be at most half the kernel size");
  g.oh = (g.h + 2 * g.ph - g.kh) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.kw) / g.sw + 1;
  TERN_CHECK(g.oh > 0 && g.ow > 0, op, ": input ", shape_str(x), " is smaller than the ", g.kh, "x", g.kw, " window");
  return g;
}

namespace {

int infer_max_pool(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "max_pool2d");
  const PoolGeom g = pool_geom(in[0].shape(), Pool2dAttrs::from(a), "max_pool2d");
  TERN_CHECK(g.h * g.w <= INT32_MAX, "max_pool2d: planes of ", g.h, "x", g.w, " are too large (at most 2^31 elements)");
  out[0] = {Shape{g.n, g.c, g.oh, g.ow}, in[0].dtype()};
  out[1] = {Shape{g.n, g.c, g.oh, g.ow}, DType::i32};  // flat h*w position: i32 halves the saved bytes
  return 2;
}

void max_pool_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]);
  const PoolGeom g = pool_geom(x.shape(), Pool2dAttrs::from(k.attrs), "max_pool2d");
  TERN_FLOAT_SWITCH(x.dtype(), "max_pool2d", [&] {
    const T* xp = x.data<T>();
    T* y = k.out[0].data<T>();
    int32_t* idx = k.out[1].data<int32_t>();
    parallel_for(g.n * g.c, 4, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        const T* src = xp + nc * g.h * g.w;
        for (int64_t oy = 0; oy < g.oh; ++oy)
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            T best = -std::numeric_limits<T>::infinity();
            int64_t at = -1;
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t iy = oy * g.sh - g.ph + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t ix = ox * g.sw - g.pw + kx;
                if (ix < 0 || ix >= g.w) continue;
                const T v = src[iy * g.w + ix];
                if (v > best || at < 0) {
                  best = v;
                  at = iy * g.w + ix;
                }
              }
            }
            y[(nc * g.oh + oy) * g.ow + ox] = best;
            idx[(nc * g.oh + oy) * g.ow + ox] = static_cast<int32_t>(at);
          }
      }
    });
  });
}

void grad_max_pool(GradArgs& g) {
  const Pool2dGradAttrs a{Pool2dAttrs::from(g.attrs), g.in_meta[0].shape};
  g.gin[0] = dispatch1(OpKind::max_pool2d_grad, {g.gout[0], g.out[1]}, a.to_attrs());
}

// max_pool2d_grad(gout, indices), avg_pool2d_grad(gout): Pool2dGradAttrs
int infer_pool_grad(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  out[0] = {Pool2dGradAttrs::from(a).input, in[0].dtype()};
  return 1;
}

void max_pool_grad_ref(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), idx = as_contiguous(k.in[1]);
  const Pool2dGradAttrs a = Pool2dGradAttrs::from(k.attrs);
  const PoolGeom g = pool_geom(a.input, a.pool, "max_pool2d_grad");
  TERN_FLOAT_SWITCH(go.dtype(), "max_pool2d_grad", [&] {
    const T* gp = go.data<T>();
    const int32_t* ip = idx.data<int32_t>();
    T* gx = k.out[0].data<T>();
    std::fill(gx, gx + k.out[0].numel(), T(0));
    parallel_for(g.n * g.c, 4, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc)
        for (int64_t o = 0; o < g.oh * g.ow; ++o) {
          const int64_t at = ip[nc * g.oh * g.ow + o];
          if (at >= 0) gx[nc * g.h * g.w + at] += gp[nc * g.oh * g.ow + o];
        }
    });
  });
}

int infer_avg_pool(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "avg_pool2d");
  const PoolGeom g = pool_geom(in[0].shape(), Pool2dAttrs::from(a), "avg_pool2d");
  out[0] = {Shape{g.n, g.c, g.oh, g.ow}, in[0].dtype()};
  return 1;
}

void avg_pool_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]);
  const PoolGeom g = pool_geom(x.shape(), Pool2dAttrs::from(k.attrs), "avg_pool2d");
  const double inv = 1.0 / static_cast<double>(g.kh * g.kw);
  TERN_FLOAT_SWITCH(x.dtype(), "avg_pool2d", [&] {
    const T* xp = x.data<T>();
    T* y = k.out[0].data<T>();
    parallel_for(g.n * g.c, 4, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc) {
        const T* src = xp + nc * g.h * g.w;
        for (int64_t oy = 0; oy < g.oh; ++oy)
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            double acc = 0;
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t iy = oy * g.sh - g.ph + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t ix = ox * g.sw - g.pw + kx;
                if (ix >= 0 && ix < g.w) acc += src[iy * g.w + ix];
              }
            }
            y[(nc * g.oh + oy) * g.ow + ox] = static_cast<T>(acc * inv);
          }
      }
    });
  });
}

void grad_avg_pool(GradArgs& g) {
  const Pool2dGradAttrs a{Pool2dAttrs::from(g.attrs), g.in_meta[0].shape};
  g.gin[0] = dispatch1(OpKind::avg_pool2d_grad, {g.gout[0]}, a.to_attrs());
}

void avg_pool_grad_ref(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]);
  const Pool2dGradAttrs a = Pool2dGradAttrs::from(k.attrs);
  const PoolGeom g = pool_geom(a.input, a.pool, "avg_pool2d_grad");
  const double inv = 1.0 / static_cast<double>(g.kh * g.kw);
  TERN_FLOAT_SWITCH(go.dtype(), "avg_pool2d_grad", [&] {
    const T* gp = go.data<T>();
    T* gx = k.out[0].data<T>();
    std::fill(gx, gx + k.out[0].numel(), T(0));
    parallel_for(g.n * g.c, 4, [&](int64_t b, int64_t e) {
      for (int64_t nc = b; nc < e; ++nc)
        for (int64_t oy = 0; oy < g.oh; ++oy)
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const T v = static_cast<T>(gp[(nc * g.oh + oy) * g.ow + ox] * inv);
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t iy = oy * g.sh - g.ph + ky;
              if (iy < 0 || iy >= g.h) continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t ix = ox * g.sw - g.pw + kx;
                if (ix >= 0 && ix < g.w) gx[nc * g.h * g.w + iy * g.w + ix] += v;
              }
            }
          }
    });
  });
}

}  // namespace

void register_pool_ops() {
  define_op(OpKind::max_pool2d, {.infer = infer_max_pool, .grad = grad_max_pool, .save_outputs = 2, .reference = max_pool_ref});
  define_op(OpKind::max_pool2d_grad, {.infer = infer_pool_grad, .reference = max_pool_grad_ref});
  define_op(OpKind::avg_pool2d, {.infer = infer_avg_pool, .grad = grad_avg_pool, .reference = avg_pool_ref});
  define_op(OpKind::avg_pool2d_grad, {.infer = infer_pool_grad, .reference = avg_pool_grad_ref});
}

}  // namespace ops

static Attrs pool_attrs(int64_t kernel, int64_t stride, int64_t padding) {
  if (stride < 0) stride = kernel;
  return Pool2dAttrs{kernel, kernel, stride, stride, padding, padding}.to_attrs();
}

Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  Tensor out[kMaxOutputs];
  const Attrs a = pool_attrs(kernel, stride, padding);
  dispatch(OpKind::max_pool2d, &x, 1, a, out);
  return out[0];
}

Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride, int64_t padding) {
  return dispatch1(OpKind::avg_pool2d, {x}, pool_attrs(kernel, stride, padding));
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  TERN_CHECK(x.dim() == 4, "adaptive_avg_pool2d: input must be [N, C, H, W], got ", shape_str(x.shape()));
  TERN_CHECK(out_h > 0 && out_w > 0, "adaptive_avg_pool2d: output size must be positive");
  const int64_t h = x.size(2), w = x.size(3);
  if (out_h == 1 && out_w == 1) return mean(x, {2, 3}, true);
  if (h % out_h == 0 && w % out_w == 0) {
    const int64_t kh = h / out_h, kw = w / out_w;
    return dispatch1(OpKind::avg_pool2d, {x}, Pool2dAttrs{kh, kw, kh, kw, 0, 0}.to_attrs());
  }
  // General case: each output cell averages rows [floor(i*h/oh), ceil((i+1)*h/oh)).
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < out_h; ++i) {
    std::vector<Tensor> cells;
    const int64_t y0 = i * h / out_h, y1 = ((i + 1) * h + out_h - 1) / out_h;
    for (int64_t j = 0; j < out_w; ++j) {
      const int64_t x0 = j * w / out_w, x1 = ((j + 1) * w + out_w - 1) / out_w;
      cells.push_back(mean(slice(slice(x, 2, y0, y1), 3, x0, x1), {2, 3}, true));
    }
    rows.push_back(cat(cells, 3));
  }
  return cat(rows, 2);
}

}  // namespace tern
