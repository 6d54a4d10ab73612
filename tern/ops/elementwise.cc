// Elementwise ops: unary, with a scalar, binary with broadcasting,
// comparisons and where. Each kernel has a contiguous fast path (vectorised
// by the compiler, split across threads) and a general strided path; the
// per-element formulas are those of scalar_fns.h.
#include <algorithm>

#include "tern/ops/op_helpers.h"
#include "tern/ops/scalar_fns.h"

namespace tern {
namespace ops {
namespace {

// --- unary ------------------------------------------------------------------

int infer_unary(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  check_float(in[0], "unary op");
  out[0] = {in[0].shape(), in[0].dtype()};
  return 1;
}

template <typename F>
void unary_loop(KernelArgs& k, F f) {
  const Tensor src = as_contiguous(k.in[0]);
  TERN_FLOAT_SWITCH(src.dtype(), "unary op", [&] {
    const T* s = src.data<T>();
    T* d = k.out[0].data<T>();
    parallel_elementwise(src.numel(), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) d[i] = f(s[i]);
    });
  });
}

#define TERN_UNARY_KERNEL(name) \
  void name##_ref(KernelArgs& k) { unary_loop(k, [](auto x) { return scalar::name(x); }); }
TERN_UNARY_KERNEL(neg)
TERN_UNARY_KERNEL(exp)
TERN_UNARY_KERNEL(log)
TERN_UNARY_KERNEL(sqrt)
TERN_UNARY_KERNEL(abs)
TERN_UNARY_KERNEL(tanh)
TERN_UNARY_KERNEL(sigmoid)
TERN_UNARY_KERNEL(relu)
TERN_UNARY_KERNEL(sin)
TERN_UNARY_KERNEL(cos)
#undef TERN_UNARY_KERNEL

void add_scalar_ref(KernelArgs& k) {
  const double s = k.attrs.f(0);
  unary_loop(k, [s](auto x) { return scalar::add_scalar(x, s); });
}
void mul_scalar_ref(KernelArgs& k) {
  const double s = k.attrs.f(0);
  unary_loop(k, [s](auto x) { return scalar::mul_scalar(x, s); });
}
void pow_scalar_ref(KernelArgs& k) {
  const double p = k.attrs.f(0);
  if (p == 2) return unary_loop(k, [](auto x) { return scalar::square(x); });
  unary_loop(k, [p](auto x) { return scalar::pow_scalar(x, p); });
}

void grad_neg(GradArgs& g) { g.gin[0] = neg(g.gout[0]); }
void grad_exp(GradArgs& g) { g.gin[0] = mul(g.gout[0], g.out[0]); }
void grad_log(GradArgs& g) { g.gin[0] = div(g.gout[0], g.in[0]); }
void grad_sqrt(GradArgs& g) { g.gin[0] = mul_scalar(div(g.gout[0], g.out[0]), 0.5); }
void grad_abs(GradArgs& g) {
  g.gin[0] = where(ge(g.in[0], Tensor::scalar(0, g.in[0].dtype())), g.gout[0], neg(g.gout[0]));
}
void grad_tanh(GradArgs& g) { g.gin[0] = mul(g.gout[0], add_scalar(neg(square(g.out[0])), 1)); }
void grad_sigmoid(GradArgs& g) {
  g.gin[0] = mul(g.gout[0], mul(g.out[0], add_scalar(neg(g.out[0]), 1)));
}
void grad_relu(GradArgs& g) { g.gin[0] = relu_grad(g.gout[0], g.out[0]); }
void grad_sin(GradArgs& g) { g.gin[0] = mul(g.gout[0], cos(g.in[0])); }
void grad_cos(GradArgs& g) { g.gin[0] = neg(mul(g.gout[0], sin(g.in[0]))); }
void grad_add_scalar(GradArgs& g) { g.gin[0] = g.gout[0]; }
void grad_mul_scalar(GradArgs& g) { g.gin[0] = mul_scalar(g.gout[0], g.attrs.f(0)); }
void grad_pow_scalar(GradArgs& g) {
  const double p = g.attrs.f(0);
  g.gin[0] = mul(g.gout[0], mul_scalar(pow_scalar(g.in[0], p - 1), p));
}

// --- binary with broadcasting ----------------------------------------------

// Strides of `t` seen through the broadcast output shape (0 on broadcast dims).
Dims broadcast_strides(const Tensor& t, const Shape& out) {
  Dims st(out.size(), 0);
  const size_t lead = out.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i)
    st[lead + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  return st;
}

// Calls f(dst_index, a_offset, b_offset, count, a_inner_stride, b_inner_stride)
// over rows of the innermost dimension.
template <typename F>
void broadcast_rows(const Tensor& a, const Tensor& b, const Shape& out, F f) {
  const Dims sa = broadcast_strides(a, out), sb = broadcast_strides(b, out);
  const int64_t nd = static_cast<int64_t>(out.size());
  if (nd == 0) return f(0, a.offset(), b.offset(), 1, 0, 0);
  const int64_t inner = out[nd - 1];
  const int64_t rows = inner == 0 ? 0 : numel_of(out) / inner;
  parallel_for(rows, std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t oa = a.offset(), ob = b.offset(), rem = r;
      for (int64_t d = nd - 2; d >= 0; --d) {
        const int64_t i = rem % out[d];
        rem /= out[d];
        oa += i * sa[d];
        ob += i * sb[d];
      }
      f(r * inner, oa, ob, inner, sa[nd - 1], sb[nd - 1]);
    }
  });
}

template <typename T, typename R, typename Op>
void binary_typed(KernelArgs& k, Op op) {
  const Tensor& a = k.in[0];
  const Tensor& b = k.in[1];
  R* d = k.out[0].data<R>();
  const int64_t n = k.out[0].numel();
  const T* pa = static_cast<const T*>(a.storage()->data());
  const T* pb = static_cast<const T*>(b.storage()->data());
  if (a.is_contiguous() && b.is_contiguous() && a.shape() == b.shape()) {
    pa += a.offset();
    pb += b.offset();
    parallel_elementwise(n, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) d[i] = op(pa[i], pb[i]);
    });
    return;
  }
  if (b.numel() == 1 && a.is_contiguous() && a.shape() == k.out[0].shape()) {
    pa += a.offset();
    const T vb = pb[b.offset()];
    parallel_elementwise(n, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) d[i] = op(pa[i], vb);
    });
    return;
  }
  broadcast_rows(a, b, k.out[0].shape(), [&](int64_t di, int64_t oa, int64_t ob, int64_t cnt, int64_t ia, int64_t ib) {
    const T* xa = pa + oa;
    const T* xb = pb + ob;
    R* y = d + di;
    if (ia == 1 && ib == 1) for (int64_t i = 0; i < cnt; ++i) y[i] = op(xa[i], xb[i]);
    else if (ia == 1 && ib == 0) for (int64_t i = 0; i < cnt; ++i) y[i] = op(xa[i], *xb);
    else for (int64_t i = 0; i < cnt; ++i) y[i] = op(xa[i * ia], xb[i * ib]);
  });
}

int infer_binary(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  TERN_CHECK_TYPE(in[0].dtype() == in[1].dtype(), "binary op: dtypes differ (", dtype_name(in[0].dtype()), " vs ",
                  dtype_name(in[1].dtype()), "); cast one first");
  out[0] = {broadcast_shapes(in[0].shape(), in[1].shape()), in[0].dtype()};
  return 1;
}

int infer_compare(const Tensor* in, int nin, const Attrs& a, TensorMeta* out) {
  infer_binary(in, nin, a, out);
  out[0].dtype = DType::boolean;
  return 1;
}

#define TERN_BINARY_KERNEL(name)                                                       \
  void name##_ref(KernelArgs& k) {                                                     \
    TERN_NUMERIC_SWITCH(k.in[0].dtype(), #name, [&] {                                  \
      binary_typed<T, T>(k, [](T x, T y) { return scalar::name(x, y); });             \
    });                                                                                \
  }
TERN_BINARY_KERNEL(add)
TERN_BINARY_KERNEL(sub)
TERN_BINARY_KERNEL(mul)
TERN_BINARY_KERNEL(div)
TERN_BINARY_KERNEL(maximum)
TERN_BINARY_KERNEL(minimum)
#undef TERN_BINARY_KERNEL

#define TERN_COMPARE_KERNEL(name)                                                      \
  void name##_ref(KernelArgs& k) {                                                     \
    TERN_NUMERIC_SWITCH(k.in[0].dtype(), #name, [&] {                                  \
      binary_typed<T, bool>(k, [](T x, T y) { return scalar::name(x, y); });          \
    });                                                                                \
  }
TERN_COMPARE_KERNEL(eq)
TERN_COMPARE_KERNEL(ne)
TERN_COMPARE_KERNEL(lt)
TERN_COMPARE_KERNEL(le)
TERN_COMPARE_KERNEL(gt)
TERN_COMPARE_KERNEL(ge)
#undef TERN_COMPARE_KERNEL

void grad_add(GradArgs& g) { g.gin[0] = g.gin[1] = g.gout[0]; }
void grad_sub(GradArgs& g) {
  g.gin[0] = g.gout[0];
  if (g.needs[1]) g.gin[1] = neg(g.gout[0]);
}
void grad_mul(GradArgs& g) {
  if (g.needs[0]) g.gin[0] = mul(g.gout[0], g.in[1]);
  if (g.needs[1]) g.gin[1] = mul(g.gout[0], g.in[0]);
}
void grad_div(GradArgs& g) {
  if (g.needs[0]) g.gin[0] = div(g.gout[0], g.in[1]);
  if (g.needs[1]) g.gin[1] = neg(div(mul(g.gout[0], g.in[0]), square(g.in[1])));
}
void grad_minmax(GradArgs& g, bool is_max) {
  const Tensor zero = Tensor::scalar(0, g.gout[0].dtype());
  const Tensor pick_a = is_max ? ge(g.in[0], g.in[1]) : le(g.in[0], g.in[1]);
  if (g.needs[0]) g.gin[0] = where(pick_a, g.gout[0], zero);
  if (g.needs[1]) g.gin[1] = where(pick_a, zero, g.gout[0]);
}
void grad_maximum(GradArgs& g) { grad_minmax(g, true); }
void grad_minimum(GradArgs& g) { grad_minmax(g, false); }

// --- relu_grad(g, y) --------------------------------------------------------

void relu_grad_ref(KernelArgs& k) {
  TERN_FLOAT_SWITCH(k.in[0].dtype(), "relu_grad", [&] {
    binary_typed<T, T>(k, [](T gv, T y) { return scalar::relu_grad(gv, y); });
  });
}

// --- where(cond, a, b) --------------------------------------------------------

int infer_where(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  TERN_CHECK_TYPE(in[0].dtype() == DType::boolean, "where: condition must be bool, got ", dtype_name(in[0].dtype()));
  TERN_CHECK_TYPE(in[1].dtype() == in[2].dtype(), "where: branch dtypes differ (", dtype_name(in[1].dtype()), " vs ",
                  dtype_name(in[2].dtype()), ")");
  out[0] = {broadcast_shapes(broadcast_shapes(in[0].shape(), in[1].shape()), in[2].shape()), in[1].dtype()};
  return 1;
}

void where_ref(KernelArgs& k) {
  const Shape& shape = k.out[0].shape();
  // Expand everything to the output shape, then walk elements with item-free loops.
  const Tensor c = as_contiguous(expand(k.in[0].detach(), shape.vec()));
  const Tensor a = as_contiguous(expand(k.in[1].detach(), shape.vec()));
  const Tensor b = as_contiguous(expand(k.in[2].detach(), shape.vec()));
  const bool* pc = c.data<bool>();
  TERN_NUMERIC_SWITCH(a.dtype(), "where", [&] {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* d = k.out[0].data<T>();
    parallel_elementwise(k.out[0].numel(), [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) d[i] = pc[i] ? pa[i] : pb[i];
    });
  });
}

void grad_where(GradArgs& g) {
  const Tensor zero = Tensor::scalar(0, g.gout[0].dtype());
  if (g.needs[1]) g.gin[1] = where(g.in[0], g.gout[0], zero);
  if (g.needs[2]) g.gin[2] = where(g.in[0], zero, g.gout[0]);
}

}  // namespace

void register_elementwise_ops() {
  const uint32_t kIn0 = 1, kIn01 = 3, kOut0 = 1;
  define_op(OpKind::neg, {.infer = infer_unary, .grad = grad_neg, .reference = neg_ref});
  define_op(OpKind::exp, {.infer = infer_unary, .grad = grad_exp, .save_outputs = kOut0, .reference = exp_ref});
  define_op(OpKind::log, {.infer = infer_unary, .grad = grad_log, .save_inputs = kIn0, .reference = log_ref});
  define_op(OpKind::sqrt, {.infer = infer_unary, .grad = grad_sqrt, .save_outputs = kOut0, .reference = sqrt_ref});
  define_op(OpKind::abs, {.infer = infer_unary, .grad = grad_abs, .save_inputs = kIn0, .reference = abs_ref});
  define_op(OpKind::tanh, {.infer = infer_unary, .grad = grad_tanh, .save_outputs = kOut0, .reference = tanh_ref});
  define_op(OpKind::sigmoid, {.infer = infer_unary, .grad = grad_sigmoid, .save_outputs = kOut0, .reference = sigmoid_ref});
  define_op(OpKind::relu, {.infer = infer_unary, .grad = grad_relu, .save_outputs = kOut0, .reference = relu_ref});
  define_op(OpKind::sin, {.infer = infer_unary, .grad = grad_sin, .save_inputs = kIn0, .reference = sin_ref});
  define_op(OpKind::cos, {.infer = infer_unary, .grad = grad_cos, .save_inputs = kIn0, .reference = cos_ref});
  define_op(OpKind::add_scalar, {.infer = infer_unary, .grad = grad_add_scalar, .reference = add_scalar_ref});
  define_op(OpKind::mul_scalar, {.infer = infer_unary, .grad = grad_mul_scalar, .reference = mul_scalar_ref});
  define_op(OpKind::pow_scalar, {.infer = infer_unary, .grad = grad_pow_scalar, .save_inputs = kIn0, .reference = pow_scalar_ref});
  define_op(OpKind::relu_grad, {.infer = infer_binary, .reference = relu_grad_ref});

  define_op(OpKind::add, {.infer = infer_binary, .grad = grad_add, .reference = add_ref});
  define_op(OpKind::sub, {.infer = infer_binary, .grad = grad_sub, .reference = sub_ref});
  define_op(OpKind::mul, {.infer = infer_binary, .grad = grad_mul, .save_inputs = kIn01, .reference = mul_ref});
  define_op(OpKind::div, {.infer = infer_binary, .grad = grad_div, .save_inputs = kIn01, .reference = div_ref});
  define_op(OpKind::maximum, {.infer = infer_binary, .grad = grad_maximum, .save_inputs = kIn01, .reference = maximum_ref});
  define_op(OpKind::minimum, {.infer = infer_binary, .grad = grad_minimum, .save_inputs = kIn01, .reference = minimum_ref});

  define_op(OpKind::eq, {.infer = infer_compare, .reference = eq_ref});
  define_op(OpKind::ne, {.infer = infer_compare, .reference = ne_ref});
  define_op(OpKind::lt, {.infer = infer_compare, .reference = lt_ref});
  define_op(OpKind::le, {.infer = infer_compare, .reference = le_ref});
  define_op(OpKind::gt, {.infer = infer_compare, .reference = gt_ref});
  define_op(OpKind::ge, {.infer = infer_compare, .reference = ge_ref});
  define_op(OpKind::where, {.infer = infer_where, .grad = grad_where, .save_inputs = 1, .reference = where_ref});
}

}  // namespace ops

#define TERN_PUBLIC_UNARY(name) \
  Tensor name(const Tensor& t) { return dispatch1(OpKind::name, {t}); }
TERN_PUBLIC_UNARY(neg)
TERN_PUBLIC_UNARY(exp)
TERN_PUBLIC_UNARY(log)
TERN_PUBLIC_UNARY(sqrt)
TERN_PUBLIC_UNARY(abs)
TERN_PUBLIC_UNARY(tanh)
TERN_PUBLIC_UNARY(sigmoid)
TERN_PUBLIC_UNARY(relu)
TERN_PUBLIC_UNARY(sin)
TERN_PUBLIC_UNARY(cos)
#undef TERN_PUBLIC_UNARY

Tensor add_scalar(const Tensor& t, double s) { return dispatch1(OpKind::add_scalar, {t}, Attrs{{}, {s}}); }
Tensor mul_scalar(const Tensor& t, double s) { return dispatch1(OpKind::mul_scalar, {t}, Attrs{{}, {s}}); }
Tensor pow_scalar(const Tensor& t, double p) { return dispatch1(OpKind::pow_scalar, {t}, Attrs{{}, {p}}); }
Tensor square(const Tensor& t) { return pow_scalar(t, 2); }
Tensor relu_grad(const Tensor& g, const Tensor& y) { return dispatch1(OpKind::relu_grad, {g, y}); }

#define TERN_PUBLIC_BINARY(name) \
  Tensor name(const Tensor& a, const Tensor& b) { return dispatch1(OpKind::name, {a, b}); }
TERN_PUBLIC_BINARY(add)
TERN_PUBLIC_BINARY(sub)
TERN_PUBLIC_BINARY(mul)
TERN_PUBLIC_BINARY(div)
TERN_PUBLIC_BINARY(maximum)
TERN_PUBLIC_BINARY(minimum)
TERN_PUBLIC_BINARY(eq)
TERN_PUBLIC_BINARY(ne)
TERN_PUBLIC_BINARY(lt)
TERN_PUBLIC_BINARY(le)
TERN_PUBLIC_BINARY(gt)
TERN_PUBLIC_BINARY(ge)
#undef TERN_PUBLIC_BINARY

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) { return dispatch1(OpKind::where, {cond, a, b}); }

}  // namespace tern
