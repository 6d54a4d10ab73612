// Indexing: gather / scatter_add (elementwise along a dim) and
// index_select / index_add (whole slices along a dim). Indices are i64 and
// are bounds-checked: a bad index is the user's error, never a bad read.
#include <cstring>

#include "tern/ops/op_helpers.h"

namespace tern {
namespace ops {
namespace {

void check_index(const Tensor& idx, const char* op) {
  TERN_CHECK_TYPE(idx.dtype() == DType::i64, op, ": index must be i64, got ", dtype_name(idx.dtype()));
}

// outer x n x inner decomposition of a contiguous tensor around dim.
struct Split3 {
  int64_t outer = 1, n = 1, inner = 1;
};
Split3 split3(const Shape& s, int64_t dim) {
  Split3 r;
  for (int64_t d = 0; d < dim; ++d) r.outer *= s[d];
  r.n = s[dim];
  for (int64_t d = dim + 1; d < static_cast<int64_t>(s.size()); ++d) r.inner *= s[d];
  return r;
}

// --- gather(t, dim, index): out[..i..] = t[..index[..i..]..] -------------------

int infer_gather(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_index(in[1], "gather");
  TERN_CHECK(in[0].dim() == in[1].dim(), "gather: index has ", in[1].dim(), " dims, input has ", in[0].dim());
  const int64_t dim = wrap_dim(a.i(0), in[0].dim());
  for (int64_t d = 0; d < in[0].dim(); ++d)
    TERN_CHECK(d == dim || in[1].shape()[d] == in[0].shape()[d], "gather: index shape ", shape_str(in[1].shape()),
               " must match input shape ", shape_str(in[0].shape()), " outside dim ", dim);
  out[0] = {in[1].shape(), in[0].dtype()};
  return 1;
}

void gather_ref(KernelArgs& k) {
  const Tensor src = as_contiguous(k.in[0]), idx = as_contiguous(k.in[1]);
  const int64_t dim = wrap_dim(k.attrs.i(0), src.dim());
  const Split3 si = split3(src.shape(), dim), so = split3(idx.shape(), dim);
  const int64_t* ip = idx.data<int64_t>();
  TERN_NUMERIC_SWITCH(src.dtype(), "gather", [&] {
    const T* s = src.data<T>();
    T* d = k.out[0].data<T>();
    for (int64_t o = 0; o < so.outer; ++o)
      for (int64_t j = 0; j < so.n; ++j)
        for (int64_t i = 0; i < so.inner; ++i) {
          const int64_t at = (o * so.n + j) * so.inner + i;
          const int64_t v = ip[at];
          TERN_CHECK_INDEX(v >= 0 && v < si.n, "gather: index ", v, " out of range [0, ", si.n, ")");
          d[at] = s[(o * si.n + v) * si.inner + i];
        }
  });
}

void grad_gather(GradArgs& g) {
  const int64_t dim = g.attrs.i(0);
  g.gin[0] = scatter_add(zeros(g.in_meta[0].shape, g.gout[0].dtype()), dim, g.in[1], g.gout[0]);
}

// --- scatter_add(t, dim, index, src) -------------------------------------------

int infer_scatter_add(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_index(in[1], "scatter_add");
  TERN_CHECK(in[1].shape() == in[2].shape(), "scatter_add: index ", shape_str(in[1].shape()), " and src ",
             shape_str(in[2].shape()), " must have the same shape");
  TERN_CHECK_TYPE(in[0].dtype() == in[2].dtype(), "scatter_add: src dtype differs from input");
  TERN_CHECK(in[0].dim() == in[1].dim(), "scatter_add: index has ", in[1].dim(), " dims, input has ", in[0].dim());
  wrap_dim(a.i(0), in[0].dim());
  out[0] = {in[0].shape(), in[0].dtype()};
  return 1;
}

void scatter_add_ref(KernelArgs& k) {
  const Tensor idx = as_contiguous(k.in[1]), src = as_contiguous(k.in[2]);
  Tensor& out = k.out[0];
  std::memcpy(out.raw_data(), as_contiguous(k.in[0]).raw_data(), out.nbytes());
  const int64_t dim = wrap_dim(k.attrs.i(0), out.dim());
  const Split3 so = split3(out.shape(), dim), si = split3(idx.shape(), dim);
  const int64_t* ip = idx.data<int64_t>();
  TERN_NUMERIC_SWITCH(out.dtype(), "scatter_add", [&] {
    const T* s = src.data<T>();
    T* d = out.data<T>();
    for (int64_t o = 0; o < si.outer; ++o)
      for (int64_t j = 0; j < si.n; ++j)
        for (int64_t i = 0; i < si.inner; ++i) {
          const int64_t at = (o * si.n + j) * si.inner + i;
          const int64_t v = ip[at];
          TERN_CHECK_INDEX(v >= 0 && v < so.n, "scatter_add: index ", v, " out of range [0, ", so.n, ")");
          d[(o * so.n + v) * so.inner + i] += s[at];
        }
  });
}

void grad_scatter_add(GradArgs& g) {
  if (g.needs[0]) g.gin[0] = g.gout[0];
  if (g.needs[2]) g.gin[2] = gather(g.gout[0], g.attrs.i(0), g.in[1]);
}

// --- index_select(t, dim, index[K]) ----------------------------------------------

int infer_index_select(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_index(in[1], "index_select");
  TERN_CHECK(in[1].dim() == 1, "index_select: index must be 1-D, got ", shape_str(in[1].shape()));
  const int64_t dim = wrap_dim(a.i(0), in[0].dim());
  Shape s = in[0].shape();
  s[dim] = in[1].numel();
  out[0] = {s, in[0].dtype()};
  return 1;
}

void index_select_ref(KernelArgs& k) {
  const Tensor src = as_contiguous(k.in[0]), idx = as_contiguous(k.in[1]);
  const int64_t dim = wrap_dim(k.attrs.i(0), src.dim());
  const Split3 s = split3(src.shape(), dim);
  const int64_t kk = idx.numel(), item = static_cast<int64_t>(itemsize(src.dtype()));
  const int64_t* ip = idx.data<int64_t>();
  for (int64_t j = 0; j < kk; ++j)
    TERN_CHECK_INDEX(ip[j] >= 0 && ip[j] < s.n, "index_select: index ", ip[j], " out of range [0, ", s.n, ")");
  const char* sp = static_cast<const char*>(src.raw_data());
  char* dp = static_cast<char*>(k.out[0].raw_data());
  const int64_t row = s.inner * item;
  parallel_for(s.outer * kk, 64, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / kk, j = r % kk;
      std::memcpy(dp + r * row, sp + (o * s.n + ip[j]) * row, row);
    }
  });
}

void grad_index_select(GradArgs& g) {
  g.gin[0] = index_add(zeros(g.in_meta[0].shape, g.gout[0].dtype()), g.attrs.i(0), g.in[1], g.gout[0]);
}

// --- index_add(t, dim, index[K], src) ----------------------------------------------

int infer_index_add(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_index(in[1], "index_add");
  TERN_CHECK(in[1].dim() == 1, "index_add: index must be 1-D, got ", shape_str(in[1].shape()));
  const int64_t dim = wrap_dim(a.i(0), in[0].dim());
  Shape want = in[0].shape();
  want[dim] = in[1].numel();
  TERN_CHECK(in[2].shape() == want, "index_add: src has shape ", shape_str(in[2].shape()), ", expected ", shape_str(want));
  TERN_CHECK_TYPE(in[0].dtype() == in[2].dtype(), "index_add: src dtype differs from input");
  out[0] = {in[0].shape(), in[0].dtype()};
  return 1;
}

void index_add_ref(KernelArgs& k) {
  const Tensor idx = as_contiguous(k.in[1]), src = as_contiguous(k.in[2]);
  Tensor& out = k.out[0];
  std::memcpy(out.raw_data(), as_contiguous(k.in[0]).raw_data(), out.nbytes());
  const int64_t dim = wrap_dim(k.attrs.i(0), out.dim());
  const Split3 s = split3(out.shape(), dim);
  const int64_t kk = idx.numel();
  const int64_t* ip = idx.data<int64_t>();
  for (int64_t j = 0; j < kk; ++j)
    TERN_CHECK_INDEX(ip[j] >= 0 && ip[j] < s.n, "index_add: index ", ip[j], " out of range [0, ", s.n, ")");
  TERN_NUMERIC_SWITCH(out.dtype(), "index_add", [&] {
    const T* sp = src.data<T>();
    T* dp = out.data<T>();
    // Parallel over the inner extent, so rows hit by repeated indices never race.
    parallel_for(s.inner, 256, [&](int64_t b, int64_t e) {
      for (int64_t o = 0; o < s.outer; ++o)
        for (int64_t j = 0; j < kk; ++j) {
          T* d = dp + (o * s.n + ip[j]) * s.inner;
          const T* x = sp + (o * kk + j) * s.inner;
          for (int64_t i = b; i < e; ++i) d[i] += x[i];
        }
    });
  });
}

void grad_index_add(GradArgs& g) {
  if (g.needs[0]) g.gin[0] = g.gout[0];
  if (g.needs[2]) g.gin[2] = index_select(g.gout[0], g.attrs.i(0), g.in[1]);
}

}  // namespace

void register_indexing_ops() {
  define_op(OpKind::gather, {.infer = infer_gather, .grad = grad_gather, .save_inputs = 2, .reference = gather_ref});
  define_op(OpKind::scatter_add, {.infer = infer_scatter_add, .grad = grad_scatter_add, .save_inputs = 2, .reference = scatter_add_ref});
  define_op(OpKind::index_select, {.infer = infer_index_select, .grad = grad_index_select, .save_inputs = 2, .reference = index_select_ref});
  define_op(OpKind::index_add, {.infer = infer_index_add, .grad = grad_index_add, .save_inputs = 2, .reference = index_add_ref});
}

}  // namespace ops

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) { return dispatch1(OpKind::gather, {t, index}, Attrs{{dim}, {}}); }
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  return dispatch1(OpKind::index_select, {t, index}, Attrs{{dim}, {}});
}
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return dispatch1(OpKind::scatter_add, {t, index, src}, Attrs{{dim}, {}});
}
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  return dispatch1(OpKind::index_add, {t, index, src}, Attrs{{dim}, {}});
}

}  // namespace tern
