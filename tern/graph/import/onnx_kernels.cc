#include "tern/graph/import/onnx_kernels.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "tern/base/error.h"
#include "tern/graph/import/onnx_import.h"
#include "tern/ops/dispatch.h"
#include "tern/ops/op_attrs.h"
#include "tern/ops/ops.h"

namespace tern::graph {

namespace {

using Inputs = std::vector<Tensor>;
using Outputs = std::vector<Tensor>;

// --- attributes and inputs ---------------------------------------------------

int64_t attr_int(const OnnxNode& n, const std::string& name, int64_t fallback) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end()) return fallback;
  TERN_CHECK(it->second.kind == OnnxAttr::Kind::int_, "attribute '", name, "' must be an int");
  return it->second.ints[0];
}

float attr_float(const OnnxNode& n, const std::string& name, float fallback) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end()) return fallback;
  TERN_CHECK(it->second.kind == OnnxAttr::Kind::float_, "attribute '", name, "' must be a float");
  return it->second.floats[0];
}

std::vector<int64_t> attr_ints(const OnnxNode& n, const std::string& name, std::vector<int64_t> fallback = {}) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end()) return fallback;
  TERN_CHECK(it->second.kind == OnnxAttr::Kind::ints, "attribute '", name, "' must be a list of ints");
  return it->second.ints;
}

std::string attr_string(const OnnxNode& n, const std::string& name, const std::string& fallback) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end()) return fallback;
  TERN_CHECK(it->second.kind == OnnxAttr::Kind::string, "attribute '", name, "' must be a string");
  return it->second.s;
}

bool has(const Inputs& in, size_t i) { return i < in.size() && in[i].defined(); }

const Tensor& need(const Inputs& in, size_t i) {
  TERN_CHECK(has(in, i), "input ", i, " is missing");
  return in[i];
}

// An integer tensor's values (shape arithmetic, axes, pads).
std::vector<int64_t> ints_of(const Tensor& t) {
  TERN_CHECK(t.dtype() == DType::i64 || t.dtype() == DType::i32, "expected an integer tensor, given ",
             dtype_name(t.dtype()));
  TERN_CHECK(t.numel() <= 1 << 20, "integer tensor of ", t.numel(), " elements is too large for shape arithmetic");
  return contiguous(t).to_vector<int64_t>();
}

Tensor i64_tensor(const std::vector<int64_t>& v, const Shape& shape) { return Tensor::from_vector<int64_t>(v, shape); }

int64_t axis_in(int64_t axis, int64_t rank) {
  TERN_CHECK(axis >= -rank && axis < std::max<int64_t>(rank, 1), "axis ", axis, " outside a rank-", rank, " tensor");
  return axis < 0 ? axis + rank : axis;
}

// Axes from the attribute (before opset 13, or 18 for the reductions) or the
// optional second input (from then on).
std::vector<int64_t> axes_of(const OnnxNode& n, const Inputs& in, int64_t opset, int64_t from_opset) {
  if (opset >= from_opset) return has(in, 1) ? ints_of(in[1]) : std::vector<int64_t>{};
  return attr_ints(n, "axes");
}

// --- host-side integer arithmetic (shapes) -----------------------------------

bool small_ints(const Tensor& t) { return (t.dtype() == DType::i64 || t.dtype() == DType::i32) && t.dim() <= 1; }

Tensor int_binary(const Tensor& a, const Tensor& b, const std::function<int64_t(int64_t, int64_t)>& f) {
  const std::vector<int64_t> x = ints_of(a), y = ints_of(b);
  TERN_CHECK(x.size() == y.size() || x.size() == 1 || y.size() == 1, "integer operands of ", x.size(), " and ",
             y.size(), " elements do not broadcast");
  const size_t n = std::max(x.size(), y.size());
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = f(x[x.size() == 1 ? 0 : i], y[y.size() == 1 ? 0 : i]);
  return i64_tensor(out, a.dim() >= b.dim() ? a.shape() : b.shape());
}

// --- ops -----------------------------------------------------------------------

Tensor check_image(const Tensor& x, const char* op) {
  TERN_CHECK(x.dim() == 4, op, ": Tern imports the 2-D form, input [N, C, H, W]; given ", shape_str(x.shape()));
  TERN_CHECK(x.dtype() == DType::f32, op, ": expected float32 input, given ", dtype_name(x.dtype()));
  return x;
}

// ONNX pads [top, left, bottom, right] (or auto_pad) for a window of `kernel`
// with `stride` and `dilation` over x's spatial dims.
std::vector<int64_t> spatial_pads(const OnnxNode& n, const Tensor& x, const std::vector<int64_t>& kernel,
                                  const std::vector<int64_t>& stride, const std::vector<int64_t>& dilation) {
  const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = attr_ints(n, "pads", {0, 0, 0, 0});
    TERN_CHECK(pads.size() == 4, "pads must have 4 values for a 2-D window, given ", pads.size());
    for (int64_t p : pads) TERN_CHECK(p >= 0, "pads must not be negative");
    return pads;
  }
  if (auto_pad == "VALID") return {0, 0, 0, 0};
  TERN_CHECK(auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER", "auto_pad '", auto_pad,
             "': expected NOTSET, VALID, SAME_UPPER or SAME_LOWER");
  std::vector<int64_t> pads(4);
  for (int d = 0; d < 2; ++d) {
    const int64_t in = x.size(2 + d), out = (in + stride[d] - 1) / stride[d];
    const int64_t total = std::max<int64_t>(0, (out - 1) * stride[d] + (kernel[d] - 1) * dilation[d] + 1 - in);
    const int64_t small = total / 2, big = total - small;
    pads[d] = auto_pad == "SAME_UPPER" ? small : big;
    pads[d + 2] = auto_pad == "SAME_UPPER" ? big : small;
  }
  return pads;
}

std::vector<int64_t> pair(const OnnxNode& n, const std::string& name, int64_t fallback) {
  std::vector<int64_t> v = attr_ints(n, name, {fallback, fallback});
  TERN_CHECK(v.size() == 2, name, " must have 2 values for a 2-D window, given ", v.size());
  for (int64_t x : v) TERN_CHECK(x >= 1, name, " must be positive");
  return v;
}

// x padded explicitly where `pads` is asymmetric; returns the symmetric rest.
Tensor pad_asymmetric(Tensor x, std::vector<int64_t>& pads, double value) {
  if (pads[0] == pads[2] && pads[1] == pads[3]) return x;
  x = pad(x, {pads[1], pads[3], pads[0], pads[2]}, value);  // last dim first
  pads = {0, 0, 0, 0};
  return x;
}

Outputs conv(const OnnxNode& n, const Inputs& in) {
  const Tensor& w = need(in, 1);
  Tensor x = check_image(need(in, 0), "Conv");
  TERN_CHECK(w.dim() == 4, "Conv: weight must be [OC, C / group, kH, kW], given ", shape_str(w.shape()));
  const std::vector<int64_t> stride = pair(n, "strides", 1), dilation = pair(n, "dilations", 1);
  std::vector<int64_t> pads = spatial_pads(n, x, {w.size(2), w.size(3)}, stride, dilation);
  x = pad_asymmetric(x, pads, 0);
  Conv2dAttrs a{stride[0], stride[1], pads[0], pads[1], dilation[0], dilation[1], attr_int(n, "group", 1)};
  return {conv2d(x, w, has(in, 2) ? in[2] : Tensor(), a)};
}

Outputs pool(const OnnxNode& n, const Inputs& in, bool max_pool) {
  Tensor x = check_image(need(in, 0), max_pool ? "MaxPool" : "AveragePool");
  TERN_CHECK(attr_int(n, "ceil_mode", 0) == 0, "ceil_mode 1 is not supported (Tern's pooling floors)");
  const std::vector<int64_t> kernel = attr_ints(n, "kernel_shape");
  TERN_CHECK(kernel.size() == 2, "kernel_shape must have 2 values, given ", kernel.size());
  const std::vector<int64_t> stride = pair(n, "strides", 1), dilation = pair(n, "dilations", 1);
  TERN_CHECK(dilation[0] == 1 && dilation[1] == 1, "dilated pooling is not supported");
  TERN_CHECK(attr_int(n, "storage_order", 0) == 0, "storage_order 1 is not supported");
  std::vector<int64_t> pads = spatial_pads(n, x, kernel, stride, dilation);
  const bool padded = std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p > 0; });
  if (max_pool) {
    x = pad_asymmetric(x, pads, -std::numeric_limits<double>::infinity());
    Tensor out[kMaxOutputs];
    dispatch(OpKind::max_pool2d, &x, 1, Pool2dAttrs{kernel[0], kernel[1], stride[0], stride[1], pads[0], pads[1]}.to_attrs(), out);
    return {out[0]};
  }
  // Tern's average counts padded zeros (count_include_pad = 1); ONNX's
  // default divides by the window's valid elements: the same pooling of a
  // ones image gives each window's share of them.
  const bool include_pad = attr_int(n, "count_include_pad", 0) != 0;
  std::vector<int64_t> p = pads;
  const Tensor xp = pad_asymmetric(x, p, 0);
  const Attrs a = Pool2dAttrs{kernel[0], kernel[1], stride[0], stride[1], p[0], p[1]}.to_attrs();
  const Tensor y = dispatch1(OpKind::avg_pool2d, {xp}, a);
  if (!padded || include_pad) return {y};
  std::vector<int64_t> q = pads;
  const Tensor ones_image = pad_asymmetric(ones({1, 1, x.size(2), x.size(3)}), q, 0);
  return {div(y, dispatch1(OpKind::avg_pool2d, {ones_image}, a))};
}

Outputs gemm(const OnnxNode& n, const Inputs& in) {
  const Tensor &a = need(in, 0), &b = need(in, 1);
  TERN_CHECK(a.dim() == 2 && b.dim() == 2, "Gemm: expected 2-D A and B, given ", shape_str(a.shape()), " and ",
             shape_str(b.shape()));
  const float alpha = attr_float(n, "alpha", 1), beta = attr_float(n, "beta", 1);
  const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  if (!ta && tb && alpha == 1 && beta == 1 && (!has(in, 2) || in[2].dim() == 1)) return {linear(a, b, has(in, 2) ? in[2] : Tensor())};
  Tensor y = matmul(ta ? transpose(a, 0, 1) : a, tb ? transpose(b, 0, 1) : b);
  if (alpha != 1) y = mul_scalar(y, alpha);
  if (has(in, 2)) y = add(y, beta != 1 ? mul_scalar(in[2], beta) : in[2]);
  return {y};
}

Outputs matmul_op(const Inputs& in) {
  Tensor a = need(in, 0), b = need(in, 1);
  const bool va = a.dim() == 1, vb = b.dim() == 1;
  if (va) a = unsqueeze(a, 0);
  if (vb) b = unsqueeze(b, 1);
  Tensor y = matmul(a, b);
  if (vb) y = squeeze(y, -1);
  if (va) y = squeeze(y, va && vb ? -1 : -2);
  return {y};
}

Outputs binary(const OnnxNode& n, const Inputs& in) {
  const Tensor &a = need(in, 0), &b = need(in, 1);
  if (small_ints(a) && small_ints(b)) {
    if (n.op == "Add") return {int_binary(a, b, [](int64_t x, int64_t y) { return x + y; })};
    if (n.op == "Sub") return {int_binary(a, b, [](int64_t x, int64_t y) { return x - y; })};
    if (n.op == "Mul") return {int_binary(a, b, [](int64_t x, int64_t y) { return x * y; })};
    return {int_binary(a, b, [](int64_t x, int64_t y) {
      TERN_CHECK(y != 0, "integer division by zero");
      return x / y;
    })};
  }
  if (n.op == "Add") return {add(a, b)};
  if (n.op == "Sub") return {sub(a, b)};
  if (n.op == "Mul") return {mul(a, b)};
  return {div(a, b)};
}

Outputs softmax_op(const OnnxNode& n, const Inputs& in, int64_t opset, bool log) {
  const Tensor& x = need(in, 0);
  const int64_t axis = axis_in(attr_int(n, "axis", opset >= 13 ? -1 : 1), x.dim());
  auto f = [&](const Tensor& t, int64_t d) { return log ? log_softmax(t, d) : softmax(t, d); };
  if (opset >= 13 || axis == x.dim() - 1) return {f(x, axis)};
  // Before opset 13: over all dims from `axis` on, as one flattened dim.
  return {reshape(f(flatten(x, axis), axis), std::vector<int64_t>(x.shape().begin(), x.shape().end()))};
}

Outputs batch_norm_op(const OnnxNode& n, const Inputs& in) {
  TERN_CHECK(attr_int(n, "training_mode", 0) == 0, "training_mode 1 is not supported (inference only)");
  return {batch_norm(need(in, 0), need(in, 1), need(in, 2), need(in, 3), need(in, 4), false, 0.1,
                     attr_float(n, "epsilon", 1e-5f))};
}

Outputs reshape_op(const OnnxNode& n, const Inputs& in) {
  const Tensor& x = need(in, 0);
  std::vector<int64_t> shape = ints_of(need(in, 1));
  const bool allow_zero = attr_int(n, "allowzero", 0) != 0;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] == 0 && !allow_zero) {
      TERN_CHECK(static_cast<int64_t>(d) < x.dim(), "Reshape: 0 at dim ", d, " of a rank-", x.dim(), " input");
      shape[d] = x.size(static_cast<int64_t>(d));
    }
  return {reshape(x, shape)};
}

Outputs flatten_op(const OnnxNode& n, const Inputs& in) {
  const Tensor& x = need(in, 0);
  const int64_t axis = attr_int(n, "axis", 1);
  const int64_t a = axis < 0 ? axis + x.dim() : axis;
  TERN_CHECK(a >= 0 && a <= x.dim(), "Flatten: axis ", axis, " outside a rank-", x.dim(), " input");
  int64_t outer = 1;
  for (int64_t d = 0; d < a; ++d) outer *= x.size(d);
  return {reshape(x, {outer, -1})};
}

Outputs transpose_op(const OnnxNode& n, const Inputs& in) {
  const Tensor& x = need(in, 0);
  std::vector<int64_t> perm = attr_ints(n, "perm");
  if (perm.empty())
    for (int64_t d = x.dim() - 1; d >= 0; --d) perm.push_back(d);
  return {permute(x, perm)};
}

Outputs concat_op(const OnnxNode& n, const Inputs& in) {
  TERN_CHECK(!in.empty(), "Concat: no inputs");
  const bool ints = std::all_of(in.begin(), in.end(), [](const Tensor& t) { return t.defined() && small_ints(t); });
  if (ints) {
    std::vector<int64_t> all;
    for (const Tensor& t : in) {
      const std::vector<int64_t> v = ints_of(t);
      all.insert(all.end(), v.begin(), v.end());
    }
    return {i64_tensor(all, {static_cast<int64_t>(all.size())})};
  }
  for (const Tensor& t : in) TERN_CHECK(t.defined(), "Concat: an input is missing");
  return {cat(in, axis_in(attr_int(n, "axis", 0), in[0].dim()))};
}

Outputs gather_op(const OnnxNode& n, const Inputs& in) {
  const Tensor &data = need(in, 0), &indices = need(in, 1);
  const int64_t axis = axis_in(attr_int(n, "axis", 0), data.dim());
  std::vector<int64_t> idx = ints_of(indices);
  for (int64_t& i : idx) {
    TERN_CHECK(i >= -data.size(axis) && i < data.size(axis), "Gather: index ", i, " outside dim ", axis, " of size ",
               data.size(axis));
    if (i < 0) i += data.size(axis);
  }
  Shape out;
  for (int64_t d = 0; d < axis; ++d) out.push_back(data.size(d));
  for (int64_t s : indices.shape()) out.push_back(s);
  for (int64_t d = axis + 1; d < data.dim(); ++d) out.push_back(data.size(d));
  const Tensor picked = index_select(data, axis, i64_tensor(idx, {static_cast<int64_t>(idx.size())}));
  return {reshape(picked, std::vector<int64_t>(out.begin(), out.end()))};
}

Outputs unsqueeze_op(const OnnxNode& n, const Inputs& in, int64_t opset) {
  Tensor x = need(in, 0);
  std::vector<int64_t> axes = axes_of(n, in, opset, 13);
  TERN_CHECK(!axes.empty(), "Unsqueeze: no axes");
  const int64_t rank = x.dim() + static_cast<int64_t>(axes.size());
  for (int64_t& a : axes) a = axis_in(a, rank);
  std::sort(axes.begin(), axes.end());
  for (int64_t a : axes) x = unsqueeze(x, a);
  return {x};
}

Outputs squeeze_op(const OnnxNode& n, const Inputs& in, int64_t opset) {
  Tensor x = need(in, 0);
  std::vector<int64_t> axes = axes_of(n, in, opset, 13);
  if (axes.empty())
    for (int64_t d = 0; d < x.dim(); ++d)
      if (x.size(d) == 1) axes.push_back(d);
  for (int64_t& a : axes) a = axis_in(a, x.dim());
  std::sort(axes.rbegin(), axes.rend());
  for (int64_t a : axes) {
    TERN_CHECK(x.size(a) == 1, "Squeeze: dim ", a, " has size ", x.size(a), ", not 1");
    x = squeeze(x, a);
  }
  return {x};
}

Outputs slice_op(const OnnxNode& n, const Inputs& in, int64_t opset) {
  Tensor x = need(in, 0);
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset >= 10) {
    starts = ints_of(need(in, 1));
    ends = ints_of(need(in, 2));
    if (has(in, 3)) axes = ints_of(in[3]);
    if (has(in, 4)) steps = ints_of(in[4]);
  } else {
    starts = attr_ints(n, "starts");
    ends = attr_ints(n, "ends");
    axes = attr_ints(n, "axes");
  }
  TERN_CHECK(starts.size() == ends.size(), "Slice: ", starts.size(), " starts but ", ends.size(), " ends");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  TERN_CHECK(axes.size() == starts.size() && steps.size() == starts.size(), "Slice: starts, ends, axes and steps differ in length");
  for (size_t i = 0; i < starts.size(); ++i) {
    TERN_CHECK(steps[i] > 0, "Slice: step ", steps[i], " is not supported (positive steps only)");
    const int64_t a = axis_in(axes[i], x.dim());
    const int64_t lim = x.size(a);  // INT64_MAX / INT64_MIN bounds clamp to the dim
    x = slice(x, a, std::clamp<int64_t>(starts[i], -lim - 1, lim), std::clamp<int64_t>(ends[i], -lim - 1, lim), steps[i]);
  }
  return {x};
}

Outputs pad_op(const OnnxNode& n, const Inputs& in, int64_t opset) {
  const Tensor& x = need(in, 0);
  TERN_CHECK(attr_string(n, "mode", "constant") == "constant", "Pad: mode '", attr_string(n, "mode", ""),
             "' is not supported (constant only)");
  const std::vector<int64_t> pads = opset >= 11 ? ints_of(need(in, 1)) : attr_ints(n, "pads");
  const double value = opset >= 11 ? (has(in, 2) ? contiguous(in[2]).to_vector<double>().at(0) : 0.0)
                                    : attr_float(n, "value", 0);
  TERN_CHECK(static_cast<int64_t>(pads.size()) == 2 * x.dim(), "Pad: expected ", 2 * x.dim(), " pads, given ", pads.size());
  std::vector<int64_t> tern_pads;  // last dim first, (before, after) pairs
  for (int64_t d = x.dim() - 1; d >= 0; --d) {
    TERN_CHECK(pads[d] >= 0 && pads[d + x.dim()] >= 0, "Pad: negative pads are not supported");
    tern_pads.push_back(pads[d]);
    tern_pads.push_back(pads[d + x.dim()]);
  }
  return {pad(x, tern_pads, value)};
}

Outputs clip_op(const OnnxNode& n, const Inputs& in, int64_t opset) {
  Tensor x = need(in, 0);
  double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
  if (opset >= 11) {
    if (has(in, 1)) lo = contiguous(in[1]).to_vector<double>().at(0);
    if (has(in, 2)) hi = contiguous(in[2]).to_vector<double>().at(0);
  } else {
    lo = attr_float(n, "min", -std::numeric_limits<float>::infinity());
    hi = attr_float(n, "max", std::numeric_limits<float>::infinity());
  }
  if (std::isfinite(lo)) x = maximum(x, Tensor::scalar(lo, x.dtype()));
  if (std::isfinite(hi)) x = minimum(x, Tensor::scalar(hi, x.dtype()));
  return {x};
}

Outputs constant_op(const OnnxNode& n) {
  for (const auto& [name, a] : n.attrs) {
    if (name == "value" && a.kind == OnnxAttr::Kind::tensor) return {a.tensor};
    if (name == "value_float" && a.kind == OnnxAttr::Kind::float_) return {Tensor::scalar(a.floats[0])};
    if (name == "value_floats" && a.kind == OnnxAttr::Kind::floats)
      return {Tensor::from_vector<float>(a.floats, {static_cast<int64_t>(a.floats.size())})};
    if (name == "value_int" && a.kind == OnnxAttr::Kind::int_) return {i64_tensor(a.ints, {})};
    if (name == "value_ints" && a.kind == OnnxAttr::Kind::ints)
      return {i64_tensor(a.ints, {static_cast<int64_t>(a.ints.size())})};
  }
  TERN_FAIL("Constant: expected a value, value_float(s) or value_int(s) attribute");
}

Outputs shape_op(const OnnxNode& n, const Inputs& in) {
  const Tensor& x = need(in, 0);
  const int64_t r = x.dim();
  auto clampd = [&](int64_t d) { return std::clamp<int64_t>(d < 0 ? d + r : d, 0, r); };
  const int64_t start = clampd(attr_int(n, "start", 0)), end = clampd(attr_int(n, "end", r));
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(x.size(d));
  return {i64_tensor(dims, {static_cast<int64_t>(dims.size())})};
}

Outputs cast_op(const OnnxNode& n, const Inputs& in) {
  const Tensor& x = need(in, 0);
  const int64_t to = attr_int(n, "to", 0);
  DType d;
  switch (to) {
    case 1: d = DType::f32; break;
    case 6: d = DType::i32; break;
    case 7: d = DType::i64; break;
    case 11: d = DType::f64; break;
    default: TERN_FAIL("Cast: target type ", to, " is not supported (float, double, int32, int64)");
  }
  if (x.dtype() == d) return {x};
  if (small_ints(x) && d == DType::i64) return {i64_tensor(ints_of(x), x.shape())};
  return {cast(x, d)};
}

Outputs reduce_mean_op(const OnnxNode& n, const Inputs& in, int64_t opset) {
  const Tensor& x = need(in, 0);
  std::vector<int64_t> axes = axes_of(n, in, opset, 18);
  for (int64_t& a : axes) a = axis_in(a, x.dim());
  return {mean(x, axes, attr_int(n, "keepdims", 1) != 0)};
}

Outputs leaky_relu_op(const OnnxNode& n, const Inputs& in) {
  const Tensor& x = need(in, 0);
  const float alpha = attr_float(n, "alpha", 0.01f);
  return {where(gt(x, Tensor::scalar(0, x.dtype())), x, mul_scalar(x, alpha))};
}

Outputs pow_op(const Inputs& in) {
  const Tensor& e = need(in, 1);
  TERN_CHECK(e.numel() == 1, "Pow: only a scalar exponent is supported, given ", shape_str(e.shape()));
  return {pow_scalar(need(in, 0), contiguous(e).to_vector<double>()[0])};
}

Outputs dropout_op(const OnnxNode& n, const Inputs& in) {
  TERN_CHECK(!(in.size() > 2 && in[2].defined() && contiguous(in[2]).to_vector<int64_t>()[0] != 0),
             "Dropout: training_mode is not supported (inference only)");
  (void)n;
  return {need(in, 0)};
}

// Max, Min, Sum: elementwise over any number of broadcast inputs.
Outputs variadic(const Inputs& in, Tensor (*f)(const Tensor&, const Tensor&)) {
  Tensor acc = need(in, 0);
  for (size_t i = 1; i < in.size(); ++i) acc = f(acc, need(in, i));
  return {acc};
}

using Handler = std::function<Outputs(const OnnxNode&, const Inputs&, int64_t)>;

Handler unary(Tensor (*f)(const Tensor&)) {
  return [f](const OnnxNode&, const Inputs& in, int64_t) { return Outputs{f(need(in, 0))}; };
}

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> h = {
      {"Abs", unary(abs)},
      {"Add", [](const OnnxNode& n, const Inputs& in, int64_t) { return binary(n, in); }},
      {"AveragePool", [](const OnnxNode& n, const Inputs& in, int64_t) { return pool(n, in, false); }},
      {"BatchNormalization", [](const OnnxNode& n, const Inputs& in, int64_t) { return batch_norm_op(n, in); }},
      {"Cast", [](const OnnxNode& n, const Inputs& in, int64_t) { return cast_op(n, in); }},
      {"Clip", clip_op},
      {"Concat", [](const OnnxNode& n, const Inputs& in, int64_t) { return concat_op(n, in); }},
      {"Constant", [](const OnnxNode& n, const Inputs&, int64_t) { return constant_op(n); }},
      {"Conv", [](const OnnxNode& n, const Inputs& in, int64_t) { return conv(n, in); }},
      {"Div", [](const OnnxNode& n, const Inputs& in, int64_t) { return binary(n, in); }},
      {"Dropout", [](const OnnxNode& n, const Inputs& in, int64_t) { return dropout_op(n, in); }},
      {"Exp", unary(exp)},
      {"Flatten", [](const OnnxNode& n, const Inputs& in, int64_t) { return flatten_op(n, in); }},
      {"Gather", [](const OnnxNode& n, const Inputs& in, int64_t) { return gather_op(n, in); }},
      {"Gemm", [](const OnnxNode& n, const Inputs& in, int64_t) { return gemm(n, in); }},
      {"GlobalAveragePool",
       [](const OnnxNode&, const Inputs& in, int64_t) { return Outputs{mean(check_image(need(in, 0), "GlobalAveragePool"), {2, 3}, true)}; }},
      {"GlobalMaxPool",
       [](const OnnxNode&, const Inputs& in, int64_t) {
         return Outputs{max(max(check_image(need(in, 0), "GlobalMaxPool"), 3, true), 2, true)};
       }},
      {"Identity", [](const OnnxNode&, const Inputs& in, int64_t) { return Outputs{need(in, 0)}; }},
      {"LeakyRelu", [](const OnnxNode& n, const Inputs& in, int64_t) { return leaky_relu_op(n, in); }},
      {"Log", unary(log)},
      {"LogSoftmax", [](const OnnxNode& n, const Inputs& in, int64_t o) { return softmax_op(n, in, o, true); }},
      {"MatMul", [](const OnnxNode&, const Inputs& in, int64_t) { return matmul_op(in); }},
      {"Max", [](const OnnxNode&, const Inputs& in, int64_t) { return variadic(in, maximum); }},
      {"Min", [](const OnnxNode&, const Inputs& in, int64_t) { return variadic(in, minimum); }},
      {"MaxPool", [](const OnnxNode& n, const Inputs& in, int64_t) { return pool(n, in, true); }},
      {"Mul", [](const OnnxNode& n, const Inputs& in, int64_t) { return binary(n, in); }},
      {"Neg", unary(neg)},
      {"Pad", pad_op},
      {"Pow", [](const OnnxNode&, const Inputs& in, int64_t) { return pow_op(in); }},
      {"ReduceMean", reduce_mean_op},
      {"Relu", unary(relu)},
      {"Reshape", [](const OnnxNode& n, const Inputs& in, int64_t) { return reshape_op(n, in); }},
      {"Shape", [](const OnnxNode& n, const Inputs& in, int64_t) { return shape_op(n, in); }},
      {"Sigmoid", unary(sigmoid)},
      {"Slice", slice_op},
      {"Softmax", [](const OnnxNode& n, const Inputs& in, int64_t o) { return softmax_op(n, in, o, false); }},
      {"Sqrt", unary(sqrt)},
      {"Squeeze", squeeze_op},
      {"Sub", [](const OnnxNode& n, const Inputs& in, int64_t) { return binary(n, in); }},
      {"Sum", [](const OnnxNode&, const Inputs& in, int64_t) { return variadic(in, add); }},
      {"Tanh", unary(tanh)},
      {"Transpose", [](const OnnxNode& n, const Inputs& in, int64_t) { return transpose_op(n, in); }},
      {"Unsqueeze", unsqueeze_op},
  };
  return h;
}

}  // namespace

const std::vector<std::string>& supported_onnx_ops() {
  static const std::vector<std::string> ops = [] {
    std::vector<std::string> v;
    for (const auto& [op, h] : handlers()) v.push_back(op);
    return v;  // std::map: sorted
  }();
  return ops;
}

std::vector<Tensor> run_onnx_node(const OnnxNode& node, const std::vector<Tensor>& in, int64_t opset) {
  return handlers().at(node.op)(node, in, opset);
}

}  // namespace tern::graph
