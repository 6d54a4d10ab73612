// 2-D convolution (NCHW) with stride, padding, dilation and groups, and its
// two gradient ops. Reference kernels are direct loops (any float dtype);
// fast f32 kernels live in cpu/.
#include "tern/ops/conv_internal.h"
#include "tern/ops/op_helpers.h"

namespace tern {
namespace ops {

ConvGeom conv_geom(const Shape& x, const Shape& w, const Conv2dAttrs& a) {
  TERN_CHECK(x.size() == 4, "conv2d: input must be [N, C, H, W], got ", shape_str(x));
  TERN_CHECK(w.size() == 4, "conv2d: weight must be [out_channels, in_channels/groups, kH, kW], got ", shape_str(w));
  ConvGeom g{x[0], x[1], x[2], x[3], w[0], w[2], w[3], 0, 0,
             a.stride_h, a.stride_w, a.pad_h, a.pad_w, a.dilation_h, a.dilation_w, a.groups};
  TERN_CHECK(g.sh > 0 && g.sw > 0 && g.dh > 0 && g.dw > 0 && g.ph >= 0 && g.pw >= 0 && g.groups > 0,
             "conv2d: stride and dilation must be positive, padding non-negative, groups positive");
  TERN_CHECK(g.c % g.groups == 0 && g.oc % g.groups == 0, "conv2d: channels (in ", g.c, ", out ", g.oc,
             ") must be divisible by groups ", g.groups);
  TERN_CHECK(w[1] * g.groups == g.c, "conv2d: weight expects ", w[1] * g.groups, " input channels, input has ", g.c,
             " (input ", shape_str(x), ", weight ", shape_str(w), ")");
  g.oh = (g.h + 2 * g.ph - g.dh * (g.kh - 1) - 1) / g.sh + 1;
  g.ow = (g.w + 2 * g.pw - g.dw * (g.kw - 1) - 1) / g.sw + 1;
  TERN_CHECK(g.oh > 0 && g.ow > 0, "conv2d: input ", shape_str(x), " is too small for kernel ", g.kh, "x", g.kw,
             " with padding ", g.ph, "x", g.pw);
  return g;
}

namespace {

int infer_conv(const Tensor* in, int nin, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "conv2d");
  TERN_CHECK_TYPE(in[0].dtype() == in[1].dtype(), "conv2d: input and weight dtypes differ");
  const ConvGeom g = conv_geom(in[0].shape(), in[1].shape(), Conv2dAttrs::from(a));
  if (nin > 2) TERN_CHECK(in[2].dim() == 1 && in[2].shape()[0] == g.oc, "conv2d: bias must be [", g.oc, "], got ",
                          shape_str(in[2].shape()));
  out[0] = {Shape{g.n, g.oc, g.oh, g.ow}, in[0].dtype()};
  return 1;
}

// Calls f(n, oc, oy, ox, c, ky, kx, iy, ix) for every valid tap.
template <typename F>
void for_each_tap(const ConvGeom& g, int64_t n, int64_t oc, F f) {
  const int64_t cpg = g.c / g.groups, group = oc / (g.oc / g.groups);
  for (int64_t oy = 0; oy < g.oh; ++oy)
    for (int64_t ox = 0; ox < g.ow; ++ox)
      for (int64_t ci = 0; ci < cpg; ++ci)
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t ix = ox * g.sw - g.pw + kx * g.dw;
            if (ix < 0 || ix >= g.w) continue;
            f(oy, ox, group * cpg + ci, ci, ky, kx, iy, ix);
          }
        }
}

void conv_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const ConvGeom g = conv_geom(x.shape(), w.shape(), Conv2dAttrs::from(k.attrs));
  TERN_FLOAT_SWITCH(x.dtype(), "conv2d", [&] {
    const T* xp = x.data<T>();
    const T* wp = w.data<T>();
    const T* bp = k.nin > 2 ? as_contiguous(k.in[2]).template data<T>() : nullptr;
    T* y = k.out[0].data<T>();
    const int64_t cpg = g.c / g.groups;
    parallel_for(g.n * g.oc, 1, [&](int64_t b, int64_t e) {
      for (int64_t no = b; no < e; ++no) {
        const int64_t n = no / g.oc, oc = no % g.oc;
        T* yo = y + no * g.oh * g.ow;
        for (int64_t i = 0; i < g.oh * g.ow; ++i) yo[i] = bp ? bp[oc] : T(0);
        for_each_tap(g, n, oc, [&](int64_t oy, int64_t ox, int64_t c, int64_t ci, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
          yo[oy * g.ow + ox] += xp[((n * g.c + c) * g.h + iy) * g.w + ix] * wp[((oc * cpg + ci) * g.kh + ky) * g.kw + kx];
        });
      }
    });
  });
}

// conv2d_grad_input(gout, w) and conv2d_grad_weight(gout, x): Conv2dGradAttrs
// (the input's or the weight's shape after the conv attributes).
int infer_conv_grad(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  out[0] = {Conv2dGradAttrs::from(a).shape, in[0].dtype()};
  return 1;
}

void conv_gi_ref(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const Conv2dGradAttrs a = Conv2dGradAttrs::from(k.attrs);
  const ConvGeom g = conv_geom(a.shape, w.shape(), a.conv);
  TERN_FLOAT_SWITCH(go.dtype(), "conv2d_grad_input", [&] {
    const T* gp = go.data<T>();
    const T* wp = w.data<T>();
    T* gx = k.out[0].data<T>();
    std::fill(gx, gx + k.out[0].numel(), T(0));
    const int64_t cpg = g.c / g.groups;
    parallel_for(g.n, 1, [&](int64_t b, int64_t e) {
      for (int64_t n = b; n < e; ++n)
        for (int64_t oc = 0; oc < g.oc; ++oc) {
          const T* gpo = gp + (n * g.oc + oc) * g.oh * g.ow;
          for_each_tap(g, n, oc, [&](int64_t oy, int64_t ox, int64_t c, int64_t ci, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
            gx[((n * g.c + c) * g.h + iy) * g.w + ix] += gpo[oy * g.ow + ox] * wp[((oc * cpg + ci) * g.kh + ky) * g.kw + kx];
          });
        }
    });
  });
}

void conv_gw_ref(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), x = as_contiguous(k.in[1]);
  const Conv2dGradAttrs a = Conv2dGradAttrs::from(k.attrs);
  const ConvGeom g = conv_geom(x.shape(), a.shape, a.conv);
  TERN_FLOAT_SWITCH(go.dtype(), "conv2d_grad_weight", [&] {
    const T* gp = go.data<T>();
    const T* xp = x.data<T>();
    T* gw = k.out[0].data<T>();
    std::fill(gw, gw + k.out[0].numel(), T(0));
    const int64_t cpg = g.c / g.groups;
    parallel_for(g.oc, 1, [&](int64_t b, int64_t e) {
      for (int64_t oc = b; oc < e; ++oc)
        for (int64_t n = 0; n < g.n; ++n) {
          const T* gpo = gp + (n * g.oc + oc) * g.oh * g.ow;
          for_each_tap(g, n, oc, [&](int64_t oy, int64_t ox, int64_t c, int64_t ci, int64_t ky, int64_t kx, int64_t iy, int64_t ix) {
            gw[((oc * cpg + ci) * g.kh + ky) * g.kw + kx] += gpo[oy * g.ow + ox] * xp[((n * g.c + c) * g.h + iy) * g.w + ix];
          });
        }
    });
  });
}

void grad_conv(GradArgs& g) {
  const Tensor& go = g.gout[0];
  const Conv2dAttrs conv = Conv2dAttrs::from(g.attrs);
  if (g.needs[0])
    g.gin[0] = dispatch1(OpKind::conv2d_grad_input, {go, g.in[1]}, Conv2dGradAttrs{conv, g.in_meta[0].shape}.to_attrs());
  if (g.needs[1])
    g.gin[1] = dispatch1(OpKind::conv2d_grad_weight, {go, g.in[0]}, Conv2dGradAttrs{conv, g.in_meta[1].shape}.to_attrs());
  if (g.nin > 2 && g.needs[2]) g.gin[2] = sum(go, {0, 2, 3});
}

}  // namespace

void register_conv_ops() {
  define_op(OpKind::conv2d, {.infer = infer_conv, .grad = grad_conv, .save_inputs = 3, .reference = conv_ref});
  define_op(OpKind::conv2d_grad_input, {.infer = infer_conv_grad, .reference = conv_gi_ref});
  define_op(OpKind::conv2d_grad_weight, {.infer = infer_conv_grad, .reference = conv_gw_ref});
}

}  // namespace ops

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Conv2dOptions o) {
  if (bias.defined()) return dispatch1(OpKind::conv2d, {x, weight, bias}, o.to_attrs());
  return dispatch1(OpKind::conv2d, {x, weight}, o.to_attrs());
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
              int64_t dilation, int64_t groups) {
  return conv2d(x, weight, bias, Conv2dOptions{stride, stride, padding, padding, dilation, dilation, groups});
}

}  // namespace tern
