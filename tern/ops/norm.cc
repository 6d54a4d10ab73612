// Batch norm (over dim 1 of [N, C, ...]) and layer norm (over the last dims).
// Both return the saved statistics as extra outputs; fused gradient ops use them.
// The batch-norm kernels are templates in norm_internal.h.
#include <cmath>

#include "tern/ops/norm_internal.h"

namespace tern {
namespace ops {
namespace {

// --- batch_norm(x, weight, bias, running_mean, running_var) ----------------------
// ints = {training}, floats = {momentum, eps}. running_* of shape [0] = none.

int infer_bn(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "batch_norm");
  TERN_CHECK(in[0].dim() >= 2, "batch_norm: input must be [N, C, ...], got ", shape_str(in[0].shape()));
  const int64_t c = in[0].shape()[1];
  for (int i = 1; i < 5; ++i) {
    if (i >= 3 && in[i].numel() == 0) continue;
    TERN_CHECK(in[i].dim() == 1 && in[i].shape()[0] == c, "batch_norm: parameter ", i, " must be [", c, "], got ",
               shape_str(in[i].shape()));
    TERN_CHECK_TYPE(in[i].dtype() == in[0].dtype(), "batch_norm: parameter ", i, " dtype differs from input");
  }
  if (a.i(0) == 0)
    TERN_CHECK(in[3].numel() == c && in[4].numel() == c, "batch_norm: eval mode needs running statistics");
  else
    TERN_CHECK(in[0].numel() / c > 1, "batch_norm: training needs more than one value per channel, got input ",
               shape_str(in[0].shape()));
  out[0] = {in[0].shape(), in[0].dtype()};
  out[1] = {Shape{c}, in[0].dtype()};
  out[2] = {Shape{c}, in[0].dtype()};
  return 3;
}

void bn_ref(KernelArgs& k) { batch_norm_kernel<InOrder>(k); }

void grad_bn(GradArgs& g) {
  Tensor out[kMaxOutputs];
  const Tensor in[5] = {g.gout[0], g.in[0], g.in[1], g.out[1], g.out[2]};
  dispatch(OpKind::batch_norm_grad, in, 5, Attrs{{g.attrs.i(0)}, {}}, out);
  for (int i = 0; i < 3; ++i)
    if (g.needs[i]) g.gin[i] = out[i];
}

// batch_norm_grad(gout, x, weight, save_mean, save_invstd) -> gx, gweight, gbias
int infer_bn_grad(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  out[0] = {in[1].shape(), in[1].dtype()};
  out[1] = {in[2].shape(), in[2].dtype()};
  out[2] = {in[2].shape(), in[2].dtype()};
  return 3;
}

void bn_grad_ref(KernelArgs& k) { batch_norm_grad_kernel<InOrder>(k); }

// --- layer_norm(x, weight, bias): ints = {normalized_dims}, floats = {eps} -------

int64_t ln_width(const Tensor& x, int64_t nd) {
  int64_t w = 1;
  for (int64_t d = x.dim() - nd; d < x.dim(); ++d) w *= x.shape()[d];
  return w;
}

int infer_ln(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "layer_norm");
  const int64_t nd = a.i(0);
  TERN_CHECK(nd >= 1 && nd <= in[0].dim(), "layer_norm: cannot normalise the last ", nd, " dims of ",
             shape_str(in[0].shape()));
  const Shape norm_shape(std::vector<int64_t>(in[0].shape().end() - nd, in[0].shape().end()));
  for (int i = 1; i < 3; ++i)
    TERN_CHECK(in[i].shape() == norm_shape, "layer_norm: parameter ", i, " must have shape ", shape_str(norm_shape),
               ", got ", shape_str(in[i].shape()));
  const int64_t rows = in[0].numel() / std::max<int64_t>(ln_width(in[0], nd), 1);
  out[0] = {in[0].shape(), in[0].dtype()};
  out[1] = {Shape{rows}, in[0].dtype()};
  out[2] = {Shape{rows}, in[0].dtype()};
  return 3;
}

void ln_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]), b = as_contiguous(k.in[2]);
  const int64_t width = ln_width(x, k.attrs.i(0)), rows = x.numel() / std::max<int64_t>(width, 1);
  const double eps = k.attrs.f(0);
  TERN_FLOAT_SWITCH(x.dtype(), "layer_norm", [&] {
    const T* xp = x.data<T>();
    const T* wp = w.data<T>();
    const T* bp = b.data<T>();
    T* y = k.out[0].data<T>();
    T* mp = k.out[1].data<T>();
    T* rp = k.out[2].data<T>();
    parallel_for(rows, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* p = xp + r * width;
        double s = 0, ss = 0;
        for (int64_t i = 0; i < width; ++i) s += p[i];
        const double mean = s / width;
        for (int64_t i = 0; i < width; ++i) ss += (p[i] - mean) * (p[i] - mean);
        const double rstd = 1.0 / std::sqrt(ss / width + eps);
        mp[r] = static_cast<T>(mean);
        rp[r] = static_cast<T>(rstd);
        for (int64_t i = 0; i < width; ++i) y[r * width + i] = static_cast<T>((p[i] - mean) * rstd * wp[i] + bp[i]);
      }
    });
  });
}

void grad_ln(GradArgs& g) {
  Tensor out[kMaxOutputs];
  const Tensor in[5] = {g.gout[0], g.in[0], g.in[1], g.out[1], g.out[2]};
  dispatch(OpKind::layer_norm_grad, in, 5, g.attrs, out);
  for (int i = 0; i < 3; ++i)
    if (g.needs[i]) g.gin[i] = out[i];
}

// layer_norm_grad(gout, x, weight, mean, rstd) -> gx, gweight, gbias
void ln_grad_ref(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), x = as_contiguous(k.in[1]), w = as_contiguous(k.in[2]);
  const int64_t width = ln_width(x, k.attrs.i(0)), rows = x.numel() / std::max<int64_t>(width, 1);
  TERN_FLOAT_SWITCH(x.dtype(), "layer_norm_grad", [&] {
    const T* gp = go.data<T>();
    const T* xp = x.data<T>();
    const T* wp = w.data<T>();
    const T* mp = k.in[3].data<T>();
    const T* rp = k.in[4].data<T>();
    T* gx = k.out[0].data<T>();
    T* gw = k.out[1].data<T>();
    T* gb = k.out[2].data<T>();
    std::fill(gw, gw + width, T(0));
    std::fill(gb, gb + width, T(0));
    for (int64_t r = 0; r < rows; ++r) {
      const T* p = xp + r * width;
      const T* q = gp + r * width;
      const double mean = mp[r], rstd = rp[r];
      double s1 = 0, s2 = 0;
      for (int64_t i = 0; i < width; ++i) {
        const double xhat = (p[i] - mean) * rstd, gwx = q[i] * wp[i];
        s1 += gwx;
        s2 += gwx * xhat;
        gw[i] += static_cast<T>(q[i] * xhat);
        gb[i] += q[i];
      }
      s1 /= width;
      s2 /= width;
      for (int64_t i = 0; i < width; ++i) {
        const double xhat = (p[i] - mean) * rstd;
        gx[r * width + i] = static_cast<T>(rstd * (q[i] * wp[i] - s1 - xhat * s2));
      }
    }
  });
}

}  // namespace

void register_norm_ops() {
  define_op(OpKind::batch_norm, {.infer = infer_bn, .grad = grad_bn, .save_inputs = 3, .save_outputs = 6,
                                 .mutates_inputs = true, .reference = bn_ref});
  define_op(OpKind::batch_norm_grad, {.infer = infer_bn_grad, .reference = bn_grad_ref});
  define_op(OpKind::layer_norm, {.infer = infer_ln, .grad = grad_ln, .save_inputs = 3, .save_outputs = 6, .reference = ln_ref});
  define_op(OpKind::layer_norm_grad, {.infer = infer_bn_grad, .reference = ln_grad_ref});
}

}  // namespace ops

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  TERN_CHECK(x.defined() && x.dim() >= 2, "batch_norm: input must be [N, C, ...]");
  const int64_t c = x.shape()[1];
  const Tensor none = Tensor::empty({0}, x.dtype());
  const Tensor in[5] = {x, weight.defined() ? weight : ones({c}, x.dtype()), bias.defined() ? bias : zeros({c}, x.dtype()),
                        running_mean.defined() ? running_mean : none, running_var.defined() ? running_var : none};
  Tensor out[kMaxOutputs];
  dispatch(OpKind::batch_norm, in, 5, Attrs{{training}, {momentum, eps}}, out);
  return out[0];
}

Tensor layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& weight, const Tensor& bias, double eps) {
  TERN_CHECK(normalized_dims >= 1 && normalized_dims <= x.dim(), "layer_norm: cannot normalise the last ",
             normalized_dims, " dims of ", shape_str(x.shape()));
  const Shape ns(std::vector<int64_t>(x.shape().end() - normalized_dims, x.shape().end()));
  const Tensor in[3] = {x, weight.defined() ? weight : ones(ns, x.dtype()), bias.defined() ? bias : zeros(ns, x.dtype())};
  Tensor out[kMaxOutputs];
  dispatch(OpKind::layer_norm, in, 3, Attrs{{normalized_dims}, {eps}}, out);
  return out[0];
}

}  // namespace tern
