// Reductions: sum, mean, var over any set of dims; max, argmax, logsumexp
// over one dim. The sum and mean kernels are templates in reduce_internal.h.
#include <algorithm>
#include <limits>

#include "tern/ops/reduce_internal.h"

namespace tern {
namespace ops {

std::vector<int64_t> attr_dims(const Attrs& a, int64_t ndim) {
  return normalise_dims(std::vector<int64_t>(a.ints.begin(), a.ints.end() - 1), ndim);
}

Tensor reduced_last(const Tensor& t, const std::vector<int64_t>& dims, int64_t* rows, int64_t* cols) {
  std::vector<int64_t> perm;
  *cols = 1;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (std::find(dims.begin(), dims.end(), d) == dims.end()) perm.push_back(d);
  for (int64_t d : dims) {
    perm.push_back(d);
    *cols *= t.shape()[d];
  }
  *rows = *cols == 0 ? numel_of(reduced_shape(t.shape(), dims, false)) : t.numel() / *cols;
  Dims shape, strides;
  for (int64_t d : perm) {
    shape.push_back(t.shape()[d]);
    strides.push_back(t.strides()[d]);
  }
  return as_contiguous(make_view(t, shape, strides, t.offset()));
}

bool is_leading(const std::vector<int64_t>& dims) {
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] != static_cast<int64_t>(i)) return false;
  return true;
}

bool all_but_one(const std::vector<int64_t>& dims, int64_t ndim, int64_t* kept) {
  if (static_cast<int64_t>(dims.size()) != ndim - 1) return false;
  *kept = ndim - 1;
  for (int64_t d = 0; d < ndim - 1; ++d)
    if (dims[d] != d) {
      *kept = d;
      break;
    }
  return true;
}

int64_t reduced_count(const Tensor& t, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= t.shape()[d];
  return n;
}

namespace {

int infer_reduce(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "reduction");
  TERN_CHECK(!a.ints.empty(), "reduction: missing keepdim attribute");
  out[0] = {reduced_shape(in[0].shape(), attr_dims(a, in[0].dim()), attr_keepdim(a)), in[0].dtype()};
  return 1;
}

void sum_ref(KernelArgs& k) { sum_kernel<InOrder>(k); }
void mean_ref(KernelArgs& k) { mean_kernel<InOrder>(k); }

void var_ref(KernelArgs& k) {
  const auto dims = attr_dims(k.attrs, k.in[0].dim());
  const double correction = k.attrs.f(0);
  int64_t rows, cols;
  const Tensor r = reduced_last(k.in[0], dims, &rows, &cols);
  TERN_FLOAT_SWITCH(r.dtype(), "var", [&] {
    const T* s = r.data<T>();
    T* d = k.out[0].data<T>();
    for (int64_t i = 0; i < rows; ++i) {
      const T* row = s + i * cols;
      double mean = 0, ss = 0;
      for (int64_t j = 0; j < cols; ++j) mean += row[j];
      mean /= static_cast<double>(cols);
      for (int64_t j = 0; j < cols; ++j) ss += (row[j] - mean) * (row[j] - mean);
      d[i] = static_cast<T>(ss / std::max(static_cast<double>(cols) - correction, 0.0));
    }
  });
}

// Re-inserts the reduced dims as size 1 so a reduced gradient broadcasts back.
Tensor unreduce(const Tensor& g, const Tensor& input, const std::vector<int64_t>& dims, bool keepdim) {
  if (keepdim) return g;
  return reshape(g, reduced_shape(input.shape(), dims, true).vec());
}

void grad_sum(GradArgs& g) {
  const auto dims = attr_dims(g.attrs, g.in[0].dim());
  g.gin[0] = expand(unreduce(g.gout[0], g.in[0], dims, attr_keepdim(g.attrs)), g.in[0].shape().vec());
}

void grad_mean(GradArgs& g) {
  const auto dims = attr_dims(g.attrs, g.in[0].dim());
  const double n = static_cast<double>(std::max<int64_t>(reduced_count(g.in[0], dims), 1));
  g.gin[0] = expand(mul_scalar(unreduce(g.gout[0], g.in[0], dims, attr_keepdim(g.attrs)), 1.0 / n),
                    g.in[0].shape().vec());
}

void grad_var(GradArgs& g) {
  const auto dims = attr_dims(g.attrs, g.in[0].dim());
  const double n = static_cast<double>(reduced_count(g.in[0], dims));
  const Tensor centred = sub(g.in[0], mean(g.in[0], dims, true));
  const Tensor go = unreduce(g.gout[0], g.in[0], dims, attr_keepdim(g.attrs));
  g.gin[0] = mul(centred, mul_scalar(go, 2.0 / std::max(n - g.attrs.f(0), 1.0)));
}

// --- single-dim reductions: ints = {dim, keepdim} ---------------------------

int infer_dim_reduce(const Tensor* in, int, const Attrs& a, TensorMeta* out, DType dtype) {
  TERN_CHECK(in[0].dim() > 0, "reduction over a dim needs a tensor with at least one dim");
  const int64_t dim = wrap_dim(a.i(0), in[0].dim());
  TERN_CHECK(in[0].shape()[dim] > 0, "reduction over an empty dim ", dim);
  out[0] = {reduced_shape(in[0].shape(), {dim}, a.i(1) != 0), dtype};
  return 1;
}
int infer_max(const Tensor* in, int n, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "max");
  return infer_dim_reduce(in, n, a, out, in[0].dtype());
}
int infer_argmax(const Tensor* in, int n, const Attrs& a, TensorMeta* out) {
  return infer_dim_reduce(in, n, a, out, DType::i64);
}

// Calls f(base_ptr, stride, count, out_index) for each 1-D fibre along dim.
template <typename T, typename F>
void for_each_fibre(const Tensor& src, int64_t dim, F f) {
  const Tensor t = as_contiguous(src);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= t.shape()[d];
  for (int64_t d = dim + 1; d < t.dim(); ++d) inner *= t.shape()[d];
  const int64_t r = t.shape()[dim];
  const T* s = t.data<T>();
  parallel_for(outer * inner, 256, [&](int64_t b, int64_t e) {
    for (int64_t idx = b; idx < e; ++idx) {
      const int64_t o = idx / inner, i = idx % inner;
      f(s + o * r * inner + i, inner, r, idx);
    }
  });
}

void max_ref(KernelArgs& k) {
  const int64_t dim = wrap_dim(k.attrs.i(0), k.in[0].dim());
  TERN_FLOAT_SWITCH(k.in[0].dtype(), "max", [&] {
    T* d = k.out[0].data<T>();
    for_each_fibre<T>(k.in[0], dim, [&](const T* p, int64_t st, int64_t n, int64_t o) {
      T m = p[0];
      for (int64_t j = 1; j < n; ++j) m = std::max(m, p[j * st]);
      d[o] = m;
    });
  });
}

void argmax_ref(KernelArgs& k) {
  const int64_t dim = wrap_dim(k.attrs.i(0), k.in[0].dim());
  int64_t* d = k.out[0].data<int64_t>();
  TERN_NUMERIC_SWITCH(k.in[0].dtype(), "argmax", [&] {
    for_each_fibre<T>(k.in[0], dim, [&](const T* p, int64_t st, int64_t n, int64_t o) {
      int64_t best = 0;
      for (int64_t j = 1; j < n; ++j)
        if (p[j * st] > p[best * st]) best = j;
      d[o] = best;
    });
  });
}

void logsumexp_ref(KernelArgs& k) {
  const int64_t dim = wrap_dim(k.attrs.i(0), k.in[0].dim());
  TERN_FLOAT_SWITCH(k.in[0].dtype(), "logsumexp", [&] {
    T* d = k.out[0].data<T>();
    for_each_fibre<T>(k.in[0], dim, [&](const T* p, int64_t st, int64_t n, int64_t o) {
      T m = p[0];
      for (int64_t j = 1; j < n; ++j) m = std::max(m, p[j * st]);
      double acc = 0;
      for (int64_t j = 0; j < n; ++j) acc += std::exp(static_cast<double>(p[j * st] - m));
      d[o] = static_cast<T>(m + std::log(acc));
    });
  });
}

void grad_max(GradArgs& g) {
  const int64_t dim = wrap_dim(g.attrs.i(0), g.in[0].dim());
  const bool keep = g.attrs.i(1) != 0;
  const Tensor m = keep ? g.out[0] : unsqueeze(g.out[0], dim);
  const Tensor go = keep ? g.gout[0] : unsqueeze(g.gout[0], dim);
  // Ties share the gradient equally, so finite differences agree.
  const Tensor mask = cast(eq(g.in[0], m), g.in[0].dtype());
  g.gin[0] = mul(div(mask, sum(mask, {dim}, true)), go);
}

void grad_logsumexp(GradArgs& g) {
  const int64_t dim = wrap_dim(g.attrs.i(0), g.in[0].dim());
  const bool keep = g.attrs.i(1) != 0;
  const Tensor l = keep ? g.out[0] : unsqueeze(g.out[0], dim);
  const Tensor go = keep ? g.gout[0] : unsqueeze(g.gout[0], dim);
  g.gin[0] = mul(exp(sub(g.in[0], l)), go);
}

}  // namespace

void register_reduce_ops() {
  define_op(OpKind::sum, {.infer = infer_reduce, .grad = grad_sum, .save_inputs = 1, .reference = sum_ref});
  define_op(OpKind::mean, {.infer = infer_reduce, .grad = grad_mean, .save_inputs = 1, .reference = mean_ref});
  define_op(OpKind::var, {.infer = infer_reduce, .grad = grad_var, .save_inputs = 1, .reference = var_ref});
  define_op(OpKind::max, {.infer = infer_max, .grad = grad_max, .save_inputs = 1, .save_outputs = 1, .reference = max_ref});
  define_op(OpKind::argmax, {.infer = infer_argmax, .reference = argmax_ref});
  define_op(OpKind::logsumexp,
            {.infer = infer_max, .grad = grad_logsumexp, .save_inputs = 1, .save_outputs = 1, .reference = logsumexp_ref});
}

}  // namespace ops

static Attrs reduce_attrs(std::vector<int64_t> dims, bool keepdim) {
  Attrs a;
  a.ints = std::move(dims);
  a.ints.push_back(keepdim);
  return a;
}

Tensor sum(const Tensor& t, std::vector<int64_t> dims, bool keepdim) {
  return dispatch1(OpKind::sum, {t}, reduce_attrs(std::move(dims), keepdim));
}
Tensor mean(const Tensor& t, std::vector<int64_t> dims, bool keepdim) {
  return dispatch1(OpKind::mean, {t}, reduce_attrs(std::move(dims), keepdim));
}
Tensor var(const Tensor& t, std::vector<int64_t> dims, bool keepdim, int64_t correction) {
  Attrs a = reduce_attrs(std::move(dims), keepdim);
  a.floats = {static_cast<double>(correction)};
  return dispatch1(OpKind::var, {t}, std::move(a));
}
Tensor max(const Tensor& t, int64_t dim, bool keepdim) { return dispatch1(OpKind::max, {t}, Attrs{{dim, keepdim}, {}}); }
Tensor argmax(const Tensor& t, int64_t dim, bool keepdim) {
  return dispatch1(OpKind::argmax, {t}, Attrs{{dim, keepdim}, {}});
}
Tensor logsumexp(const Tensor& t, int64_t dim, bool keepdim) {
  return dispatch1(OpKind::logsumexp, {t}, Attrs{{dim, keepdim}, {}});
}

}  // namespace tern
