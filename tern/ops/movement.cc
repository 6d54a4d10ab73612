// Movement ops. reshape, permute, expand and slice return views (no copy)
// when the layout allows; pad and cat copy.
#include <algorithm>
#include <cstring>
#include <numeric>

#include "tern/ops/op_helpers.h"

namespace tern {
namespace ops {
namespace {

// --- reshape: ints = target shape, one -1 allowed ---------------------------

Shape resolve_reshape(const Tensor& t, const std::vector<int64_t>& want) {
  Shape out;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == -1) {
      TERN_CHECK(infer_at < 0, "reshape: only one dimension can be -1, got ", shape_str(Shape(want)));
      infer_at = static_cast<int64_t>(i);
      out.push_back(1);
    } else {
      TERN_CHECK(want[i] >= 0, "reshape: invalid size ", want[i], " in ", shape_str(Shape(want)));
      known *= want[i];
      out.push_back(want[i]);
    }
  }
  if (infer_at >= 0) {
    TERN_CHECK(known > 0 && t.numel() % known == 0, "reshape: cannot reshape ", shape_str(t.shape()), " (",
               t.numel(), " elements) into ", shape_str(Shape(want)));
    out[infer_at] = t.numel() / known;
  }
  TERN_CHECK(numel_of(out) == t.numel(), "reshape: cannot reshape ", shape_str(t.shape()), " (", t.numel(),
             " elements) into ", shape_str(Shape(want)));
  return out;
}

int infer_reshape(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  out[0] = {resolve_reshape(in[0], a.ints), in[0].dtype()};
  return 1;
}

void reshape_ref(KernelArgs& k) {
  const Shape shape = resolve_reshape(k.in[0], k.attrs.ints);
  const Tensor src = as_contiguous(k.in[0]);
  k.out[0] = make_view(src, shape, contiguous_strides(shape), src.offset());
}

void grad_reshape(GradArgs& g) { g.gin[0] = reshape(g.gout[0], g.in_meta[0].shape.vec()); }

// --- permute: ints = dims ----------------------------------------------------

int infer_permute(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  TERN_CHECK(static_cast<int64_t>(a.ints.size()) == in[0].dim(), "permute: got ", a.ints.size(),
             " dims for a tensor with ", in[0].dim());
  std::vector<bool> seen(a.ints.size(), false);
  Shape s;
  for (int64_t d : a.ints) {
    const int64_t w = wrap_dim(d, in[0].dim());
    TERN_CHECK(!seen[w], "permute: dimension ", d, " repeated");
    seen[w] = true;
    s.push_back(in[0].shape()[w]);
  }
  out[0] = {s, in[0].dtype()};
  return 1;
}

void permute_ref(KernelArgs& k) {
  const Tensor& t = k.in[0];
  Shape shape;
  Dims strides;
  for (int64_t d : k.attrs.ints) {
    const int64_t w = wrap_dim(d, t.dim());
    shape.push_back(t.shape()[w]);
    strides.push_back(t.strides()[w]);
  }
  k.out[0] = make_view(t, shape, strides, t.offset());
}

void grad_permute(GradArgs& g) {
  const int64_t n = static_cast<int64_t>(g.attrs.ints.size());
  std::vector<int64_t> inverse(n);
  for (int64_t i = 0; i < n; ++i) inverse[wrap_dim(g.attrs.ints[i], n)] = i;
  g.gin[0] = permute(g.gout[0], inverse);
}

// --- expand: ints = shape (-1 keeps the size) ---------------------------------

Shape resolve_expand(const Tensor& t, const std::vector<int64_t>& want) {
  TERN_CHECK(static_cast<int64_t>(want.size()) >= t.dim(), "expand: target ", shape_str(Shape(want)),
             " has fewer dims than ", shape_str(t.shape()));
  Shape out;
  const size_t lead = want.size() - t.shape().size();
  for (size_t i = 0; i < want.size(); ++i) {
    const int64_t have = i < lead ? 1 : t.shape()[i - lead];
    const int64_t w = want[i] == -1 ? have : want[i];
    TERN_CHECK(have == w || have == 1, "expand: cannot expand ", shape_str(t.shape()), " to ",
               shape_str(Shape(want)));
    out.push_back(w);
  }
  return out;
}

int infer_expand(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  out[0] = {resolve_expand(in[0], a.ints), in[0].dtype()};
  return 1;
}

void expand_ref(KernelArgs& k) {
  const Tensor& t = k.in[0];
  const Shape shape = resolve_expand(t, k.attrs.ints);
  Dims strides(shape.size(), 0);
  const size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i)
    strides[lead + i] = t.shape()[i] == shape[lead + i] ? t.strides()[i] : 0;
  k.out[0] = make_view(t, shape, strides, t.offset());
}

void grad_expand(GradArgs& g) { g.gin[0] = sum_to(g.gout[0], g.in_meta[0].shape); }

// --- slice: ints = {dim, start, end, step} -------------------------------------

struct SliceSpec {
  int64_t dim, start, len, step;
};

SliceSpec resolve_slice(const Tensor& t, const Attrs& a) {
  TERN_CHECK(t.dim() > 0, "slice: cannot slice a 0-dim tensor");
  const int64_t dim = wrap_dim(a.i(0), t.dim());
  const int64_t n = t.shape()[dim], step = a.i(3);
  TERN_CHECK(step > 0, "slice: step must be positive, got ", step);
  auto clamp = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
  const int64_t start = clamp(a.i(1)), end = clamp(a.i(2));
  const int64_t len = end > start ? (end - start + step - 1) / step : 0;
  return {dim, start, len, step};
}

int infer_slice(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  const SliceSpec s = resolve_slice(in[0], a);
  Shape shape = in[0].shape();
  shape[s.dim] = s.len;
  out[0] = {shape, in[0].dtype()};
  return 1;
}

void slice_ref(KernelArgs& k) {
  const Tensor& t = k.in[0];
  const SliceSpec s = resolve_slice(t, k.attrs);
  Shape shape = t.shape();
  Dims strides = t.strides();
  shape[s.dim] = s.len;
  strides[s.dim] *= s.step;
  k.out[0] = make_view(t, shape, strides, t.offset() + s.start * t.strides()[s.dim]);
}

void grad_slice(GradArgs& g) {
  const Shape& in_shape = g.in_meta[0].shape;
  const int64_t nd = static_cast<int64_t>(in_shape.size());
  const int64_t dim = wrap_dim(g.attrs.i(0), nd), n = in_shape[dim], step = g.attrs.i(3);
  auto clamp = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
  const int64_t start = clamp(g.attrs.i(1));
  const int64_t len = g.gout[0].shape()[dim];
  if (step == 1) {
    std::vector<int64_t> pads(2 * (nd - dim), 0);
    pads[2 * (nd - 1 - dim)] = start;
    pads[2 * (nd - 1 - dim) + 1] = n - start - len;
    g.gin[0] = pad(g.gout[0], pads, 0);
  } else {
    const Tensor idx = arange(static_cast<double>(start), static_cast<double>(start + len * step),
                              static_cast<double>(step), DType::i64);
    g.gin[0] = index_add(zeros(in_shape, g.gout[0].dtype()), dim, idx, g.gout[0]);
  }
}

// --- pad: ints = {before, after} pairs from the last dim, floats = {value} -----

int infer_pad(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  TERN_CHECK(a.ints.size() % 2 == 0 && static_cast<int64_t>(a.ints.size()) <= 2 * in[0].dim(),
             "pad: expected before/after pairs for at most ", in[0].dim(), " dims, got ", a.ints.size(), " values");
  Shape s = in[0].shape();
  for (size_t p = 0; p < a.ints.size() / 2; ++p) {
    const int64_t d = in[0].dim() - 1 - static_cast<int64_t>(p);
    TERN_CHECK(a.ints[2 * p] >= 0 && a.ints[2 * p + 1] >= 0, "pad: negative padding is not supported");
    s[d] += a.ints[2 * p] + a.ints[2 * p + 1];
  }
  out[0] = {s, in[0].dtype()};
  return 1;
}

// The view of `out` that receives `in` (its offsets shifted by the pads).
Tensor interior_view(const Tensor& out, const Tensor& in, const std::vector<int64_t>& pads) {
  int64_t offset = out.offset();
  for (size_t p = 0; p < pads.size() / 2; ++p) {
    const int64_t d = out.dim() - 1 - static_cast<int64_t>(p);
    offset += pads[2 * p] * out.strides()[d];
  }
  return make_view(out, in.shape(), out.strides(), offset);
}

// Copies src into the (strided) view dst of the same shape.
void copy_to_view(const Tensor& src, const Tensor& dst) {
  const Tensor s = as_contiguous(src);
  const int64_t nd = dst.dim();
  const size_t item = itemsize(dst.dtype());
  if (nd == 0 || s.numel() == 0) {
    if (s.numel()) std::memcpy(dst.raw_data(), s.raw_data(), item);
    return;
  }
  const int64_t inner = dst.shape()[nd - 1], rows = s.numel() / inner;
  const bool unit = dst.strides()[nd - 1] == 1;
  const char* sp = static_cast<const char*>(s.raw_data());
  char* base = static_cast<char*>(dst.storage()->data());
  parallel_for(rows, 64, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t off = dst.offset(), rem = r;
      for (int64_t d = nd - 2; d >= 0; --d) {
        off += (rem % dst.shape()[d]) * dst.strides()[d];
        rem /= dst.shape()[d];
      }
      if (unit) {
        std::memcpy(base + off * item, sp + r * inner * item, inner * item);
      } else {
        for (int64_t i = 0; i < inner; ++i)
          std::memcpy(base + (off + i * dst.strides()[nd - 1]) * item, sp + (r * inner + i) * item, item);
      }
    }
  });
}

void pad_ref(KernelArgs& k) {
  Tensor& out = k.out[0];
  const double v = k.attrs.floats.empty() ? 0.0 : k.attrs.f(0);
  TERN_NUMERIC_SWITCH(out.dtype(), "pad", [&] {
    T* p = out.data<T>();
    std::fill(p, p + out.numel(), static_cast<T>(v));
  });
  copy_to_view(k.in[0], interior_view(out, k.in[0], k.attrs.ints));
}

void grad_pad(GradArgs& g) {
  Tensor r = g.gout[0];
  const int64_t nd = r.dim();
  for (size_t p = 0; p < g.attrs.ints.size() / 2; ++p) {
    const int64_t d = nd - 1 - static_cast<int64_t>(p);
    r = slice(r, d, g.attrs.ints[2 * p], g.attrs.ints[2 * p] + g.in_meta[0].shape[d]);
  }
  g.gin[0] = r;
}

// --- cat: ints = {dim} ----------------------------------------------------------

int infer_cat(const Tensor* in, int nin, const Attrs& a, TensorMeta* out) {
  TERN_CHECK(nin >= 1, "cat: needs at least one tensor");
  TERN_CHECK(in[0].dim() > 0, "cat: cannot concatenate 0-dim tensors");
  const int64_t dim = wrap_dim(a.i(0), in[0].dim());
  Shape s = in[0].shape();
  for (int i = 1; i < nin; ++i) {
    TERN_CHECK(in[i].dim() == in[0].dim() && in[i].dtype() == in[0].dtype(), "cat: tensor ", i, " has shape ",
               shape_str(in[i].shape()), " ", dtype_name(in[i].dtype()), ", expected ", in[0].dim(), " dims of ",
               dtype_name(in[0].dtype()));
    for (int64_t d = 0; d < s.size(); ++d)
      TERN_CHECK(d == dim || in[i].shape()[d] == s[d], "cat: tensor ", i, " has shape ", shape_str(in[i].shape()),
                 ", incompatible with ", shape_str(in[0].shape()), " outside dim ", dim);
    s[dim] += in[i].shape()[dim];
  }
  out[0] = {s, in[0].dtype()};
  return 1;
}

void cat_ref(KernelArgs& k) {
  const int64_t dim = wrap_dim(k.attrs.i(0), k.in[0].dim());
  Tensor& out = k.out[0];
  int64_t at = 0;
  for (int i = 0; i < k.nin; ++i) {
    Shape s = out.shape();
    s[dim] = k.in[i].shape()[dim];
    copy_to_view(k.in[i], make_view(out, s, out.strides(), out.offset() + at * out.strides()[dim]));
    at += s[dim];
  }
}

void grad_cat(GradArgs& g) {
  const int64_t dim = wrap_dim(g.attrs.i(0), static_cast<int64_t>(g.in_meta[0].shape.size()));
  int64_t at = 0;
  for (int i = 0; i < g.nin; ++i) {
    const int64_t n = g.in_meta[i].shape[dim];
    if (g.needs[i]) g.gin[i] = slice(g.gout[0], dim, at, at + n);
    at += n;
  }
}

}  // namespace

void register_movement_ops() {
  define_op(OpKind::reshape, {.infer = infer_reshape, .grad = grad_reshape, .makes_own_outputs = true, .reference = reshape_ref});
  define_op(OpKind::permute, {.infer = infer_permute, .grad = grad_permute, .makes_own_outputs = true, .reference = permute_ref});
  define_op(OpKind::expand, {.infer = infer_expand, .grad = grad_expand, .makes_own_outputs = true, .reference = expand_ref});
  define_op(OpKind::slice, {.infer = infer_slice, .grad = grad_slice, .makes_own_outputs = true, .reference = slice_ref});
  define_op(OpKind::pad, {.infer = infer_pad, .grad = grad_pad, .reference = pad_ref});
  define_op(OpKind::cat, {.infer = infer_cat, .grad = grad_cat, .reference = cat_ref});
}

}  // namespace ops

Tensor reshape(const Tensor& t, std::vector<int64_t> shape) {
  if (t.is_contiguous() && shape.size() == static_cast<size_t>(t.dim()) &&
      std::equal(shape.begin(), shape.end(), t.shape().begin()) && !t.requires_grad() && t.is_leaf())
    return t;
  return dispatch1(OpKind::reshape, {t}, Attrs{std::move(shape), {}});
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  if (t.dim() == 0) return reshape(t, {1});
  const int64_t s = wrap_dim(start_dim, t.dim()), e = wrap_dim(end_dim, t.dim());
  std::vector<int64_t> shape;
  int64_t merged = 1;
  for (int64_t d = 0; d < t.dim(); ++d) {
    if (d < s || d > e) shape.push_back(t.shape()[d]);
    else {
      merged *= t.shape()[d];
      if (d == e) shape.push_back(merged);
    }
  }
  return reshape(t, shape);
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  const int64_t d = wrap_dim(dim, t.dim() + 1);
  std::vector<int64_t> shape = t.shape().vec();
  shape.insert(shape.begin() + d, 1);
  return reshape(t, shape);
}

Tensor squeeze(const Tensor& t, int64_t dim) {
  const int64_t d = wrap_dim(dim, t.dim());
  TERN_CHECK(t.shape()[d] == 1, "squeeze: dim ", dim, " has size ", t.shape()[d], ", expected 1");
  std::vector<int64_t> shape = t.shape().vec();
  shape.erase(shape.begin() + d);
  return reshape(t, shape);
}

Tensor permute(const Tensor& t, std::vector<int64_t> dims) { return dispatch1(OpKind::permute, {t}, Attrs{std::move(dims), {}}); }

Tensor transpose(const Tensor& t, int64_t a, int64_t b) {
  std::vector<int64_t> dims(t.dim());
  std::iota(dims.begin(), dims.end(), 0);
  std::swap(dims[wrap_dim(a, t.dim())], dims[wrap_dim(b, t.dim())]);
  return permute(t, dims);
}

Tensor expand(const Tensor& t, std::vector<int64_t> shape) { return dispatch1(OpKind::expand, {t}, Attrs{std::move(shape), {}}); }

Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  return dispatch1(OpKind::slice, {t}, Attrs{{dim, start, end, step}, {}});
}

Tensor pad(const Tensor& t, std::vector<int64_t> pads, double value) {
  return dispatch1(OpKind::pad, {t}, Attrs{std::move(pads), {value}});
}

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  TERN_CHECK(!ts.empty(), "cat: needs at least one tensor");
  if (ts.size() > static_cast<size_t>(kMaxInputs)) {  // concatenate in groups
    std::vector<Tensor> parts;
    for (size_t i = 0; i < ts.size(); i += kMaxInputs)
      parts.push_back(cat(std::vector<Tensor>(ts.begin() + i, ts.begin() + std::min(ts.size(), i + kMaxInputs)), dim));
    return cat(parts, dim);
  }
  Tensor out[kMaxOutputs];
  dispatch(OpKind::cat, ts.data(), static_cast<int>(ts.size()), Attrs{{dim}, {}}, out);
  return out[0];
}

Tensor stack(const std::vector<Tensor>& ts, int64_t dim) {
  TERN_CHECK(!ts.empty(), "stack: needs at least one tensor");
  std::vector<Tensor> parts;
  for (const Tensor& t : ts) parts.push_back(unsqueeze(t, wrap_dim(dim, t.dim() + 1)));
  return cat(parts, dim);
}

std::vector<Tensor> split(const Tensor& t, int64_t size, int64_t dim) {
  TERN_CHECK(size > 0, "split: size must be positive, got ", size);
  const int64_t d = wrap_dim(dim, t.dim());
  std::vector<Tensor> out;
  for (int64_t at = 0; at < t.shape()[d]; at += size) out.push_back(slice(t, d, at, at + size));
  return out;
}

Tensor sum_to(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  std::vector<int64_t> dims;
  const int64_t lead = t.dim() - static_cast<int64_t>(shape.size());
  TERN_ASSERT(lead >= 0, "sum_to: ", shape_str(t.shape()), " cannot reduce to ", shape_str(shape));
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && t.shape()[d] != 1)) dims.push_back(d);
  Tensor r = dims.empty() ? t : sum(t, dims, true);
  return reshape(r, shape.vec());
}

}  // namespace tern
