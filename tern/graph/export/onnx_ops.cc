// The Tern op -> ONNX (opset 13) mapping. The ONNX op each Tern op becomes is
// in ops.def (op_traits(kind).onnx); the code here turns attributes into
// ONNX's, and spells out the ops that have no single ONNX op. Attribute
// layouts are documented beside each op's public function in tern/ops/ops.h.
#include <algorithm>
#include <set>

#include "tern/graph/export/onnx_builder.h"
#include "tern/ops/ops.h"

namespace tern::graph::onnx_export {

namespace {

struct Emit {
  Builder& b;
  const Node& n;

  const Value& in_value(size_t k) const { return b.graph().value(n.inputs.at(k)); }
  bool has_in(size_t k) const { return k < n.inputs.size() && n.inputs[k] >= 0; }
  std::string in(size_t k) const { return b.name(n.inputs.at(k)); }
  std::string out(size_t k = 0) const { return b.name(n.outputs.at(k)); }
  int64_t rank(size_t k) const { return static_cast<int64_t>(in_value(k).shape.size()); }
  DType dtype(size_t k) const { return in_value(k).dtype; }
  int64_t i(size_t k) const { return n.attrs.i(k); }
  double f(size_t k) const { return n.attrs.f(k); }
  // A dim attribute made non-negative against input 0's rank.
  int64_t axis(int64_t d, int64_t r = -1) const { return d < 0 ? d + (r < 0 ? rank(0) : r) : d; }
  // attrs.ints[first, end - 1) as axes (the last int is keepdim).
  std::vector<int64_t> reduce_axes() const {
    std::vector<int64_t> axes;
    for (size_t k = 0; k + 1 < n.attrs.ints.size(); ++k) axes.push_back(axis(i(k)));
    return axes;
  }
  bool keepdim() const { return n.attrs.ints.empty() ? false : n.attrs.ints.back() != 0; }

  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs) const {
    return b.node(op, inputs, {out()});
  }
  // The node of the op's own ONNX op (ops.def).
  onnx::NodeProto* direct(const std::vector<std::string>& inputs) const {
    const char* op = op_traits(n.kind).onnx;
    TERN_ASSERT(*op, "onnx export: ", op_name(n.kind), " has no ONNX op in ops.def");
    return node(op, inputs);
  }
  std::vector<std::string> all_inputs() const {
    std::vector<std::string> ins;
    for (size_t k = 0; k < n.inputs.size(); ++k) ins.push_back(in(k));
    return ins;
  }
  [[noreturn]] void unmapped(const std::string& why) const {
    throw NotImplementedError(str_cat("onnx export: op ", op_name(n.kind), " (node ", n.id, ") has no ONNX mapping: ", why));
  }
  // A reduction over `axes` (empty: all) in the opset-13 attribute form.
  void reduce(const std::string& op, const std::string& x, const std::vector<int64_t>& axes, bool keep,
              const std::string& y) const {
    onnx::NodeProto* r = b.node(op, {x}, {y});
    if (!axes.empty()) set_attr(r, "axes", axes);
    set_attr(r, "keepdims", int64_t{keep});
  }
  // Number of elements reduced over `axes` of input 0; fails on a symbolic one.
  int64_t reduced_count(const std::vector<int64_t>& axes) const {
    int64_t count = 1;
    const Shape& s = in_value(0).shape;
    for (size_t d = 0; d < s.size(); ++d) {
      if (!axes.empty() && std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) == axes.end()) continue;
      if (s[d] < 0) unmapped("its reduced size depends on a symbolic dim");
      count *= s[d];
    }
    return count;
  }
};

// y = x W^T + b: Gemm for 2-D x, else MatMul with the transposed weight.
void emit_linear(const Emit& e) {
  if (e.rank(0) == 2) {
    std::vector<std::string> ins{e.in(0), e.in(1)};
    if (e.has_in(2)) ins.push_back(e.in(2));
    set_attr(e.node("Gemm", ins), "transB", int64_t{1});
    return;
  }
  onnx::NodeProto* t = e.b.node("Transpose", {e.in(1)}, {e.b.fresh()});
  set_attr(t, "perm", std::vector<int64_t>{1, 0});
  if (!e.has_in(2)) {
    e.node("MatMul", {e.in(0), t->output(0)});
    return;
  }
  e.node("Add", {e.b.op("MatMul", {e.in(0), t->output(0)}), e.in(2)});
}

void emit_conv(const Emit& e) {
  std::vector<std::string> ins{e.in(0), e.in(1)};
  if (e.has_in(2)) ins.push_back(e.in(2));
  onnx::NodeProto* c = e.direct(ins);
  const Shape& w = e.in_value(1).shape;
  const Conv2dAttrs a = Conv2dAttrs::from(e.n.attrs);
  set_attr(c, "kernel_shape", std::vector<int64_t>{w[2], w[3]});
  set_attr(c, "strides", std::vector<int64_t>{a.stride_h, a.stride_w});
  set_attr(c, "pads", std::vector<int64_t>{a.pad_h, a.pad_w, a.pad_h, a.pad_w});
  set_attr(c, "dilations", std::vector<int64_t>{a.dilation_h, a.dilation_w});
  set_attr(c, "group", a.groups);
}

void emit_pool(const Emit& e) {
  onnx::NodeProto* p = e.direct({e.in(0)});
  const Pool2dAttrs a = Pool2dAttrs::from(e.n.attrs);
  set_attr(p, "kernel_shape", std::vector<int64_t>{a.kernel_h, a.kernel_w});
  set_attr(p, "strides", std::vector<int64_t>{a.stride_h, a.stride_w});
  set_attr(p, "pads", std::vector<int64_t>{a.pad_h, a.pad_w, a.pad_h, a.pad_w});
  if (e.n.kind == OpKind::avg_pool2d) set_attr(p, "count_include_pad", int64_t{1});  // Tern counts padding
}

// Eval-mode batch norm; missing affine parameters become ones / zeros.
void emit_batch_norm(const Emit& e) {
  if (e.i(0) != 0) e.unmapped("batch norm in training mode (export the model in eval mode)");
  if (!e.has_in(3) || !e.has_in(4)) e.unmapped("batch norm without running statistics");
  const int64_t channels = e.in_value(3).shape[0];
  const DType dt = e.dtype(0);
  const auto filled = [&](double v) {
    const std::string name = e.b.fresh();
    e.b.add_initializer(name, full({channels}, v, dt));
    return name;
  };
  onnx::NodeProto* bn = e.direct({e.in(0), e.has_in(1) ? e.in(1) : filled(1),
                                                      e.has_in(2) ? e.in(2) : filled(0), e.in(3), e.in(4)});
  set_attr(bn, "epsilon", static_cast<float>(e.f(1)));
  set_attr(bn, "momentum", static_cast<float>(1 - e.f(0)));  // ONNX weighs the old value
}

// LayerNormalization is opset 17: spelt out with reductions over the last dims.
void emit_layer_norm(const Emit& e) {
  std::vector<int64_t> axes;
  for (int64_t k = e.rank(0) - e.i(0); k < e.rank(0); ++k) axes.push_back(k);
  Builder& b = e.b;
  const std::string mu = b.fresh(), var = b.fresh();
  e.reduce("ReduceMean", e.in(0), axes, true, mu);
  const std::string d = b.op("Sub", {e.in(0), mu});
  e.reduce("ReduceMean", b.op("Mul", {d, d}), axes, true, var);
  std::string y = b.op("Div", {d, b.op("Sqrt", {b.op("Add", {var, b.scalar(e.f(0), e.dtype(0))})})});
  if (e.has_in(1)) y = b.op("Mul", {y, e.in(1)});
  if (e.has_in(2)) y = b.op("Add", {y, e.in(2)});
  b.node("Identity", {y}, {e.out()});
}

// Tern pads the last dims, last first: {before_-1, after_-1, before_-2, ...};
// ONNX wants {begin_0 .. begin_r-1, end_0 .. end_r-1}.
void emit_pad(const Emit& e) {
  const int64_t r = e.rank(0);
  std::vector<int64_t> pads(static_cast<size_t>(2 * r), 0);
  for (size_t p = 0; 2 * p + 1 < e.n.attrs.ints.size(); ++p) {
    const size_t d = static_cast<size_t>(r) - 1 - p;
    pads[d] = e.i(2 * p);
    pads[d + static_cast<size_t>(r)] = e.i(2 * p + 1);
  }
  onnx::NodeProto* p = e.direct({e.in(0), e.b.ints(pads), e.b.scalar(e.f(0), e.dtype(0))});
  set_attr(p, "mode", std::string("constant"));
}

void emit_var(const Emit& e) {
  const std::vector<int64_t> axes = e.reduce_axes();
  const int64_t count = e.reduced_count(axes), correction = static_cast<int64_t>(e.f(0));
  if (count <= correction) e.unmapped("fewer elements than the correction");
  Builder& b = e.b;
  const std::string mu = b.fresh(), msq = b.fresh();
  e.reduce("ReduceMean", e.in(0), axes, true, mu);
  const std::string d = b.op("Sub", {e.in(0), mu});
  e.reduce("ReduceMean", b.op("Mul", {d, d}), axes, e.keepdim(), msq);
  e.node("Mul", {msq, b.scalar(static_cast<double>(count) / static_cast<double>(count - correction), e.dtype(0))});
}

// The target as constants where it can be: a symbolic entry equal to the
// input's dim at the same place is ONNX's 0 ("copy"), and a single other
// unknown entry is -1; ONNX's shape inference (1.12) cannot see through a
// computed shape, so this keeps the shapes known downstream.
void emit_reshape(const Emit& e) {
  const Node& n = e.n;
  std::vector<int64_t> target = n.attrs.ints;
  for (int64_t d : target)
    if (d == 0) e.unmapped("a 0 in the target shape (ONNX Reshape reads 0 as 'copy this dim')");
  const Graph& g = e.b.graph();
  const Value& x = e.in_value(0);
  const auto& examples = g.symbol_examples();
  const bool distinct_examples = std::set<int64_t>(examples.begin(), examples.end()).size() == examples.size();
  int unknown = static_cast<int>(std::count(target.begin(), target.end(), -1));
  for (const SymInt& s : n.sym_ints) {
    const size_t d = static_cast<size_t>(s.index);
    const bool one_symbol = s.offset == 0 && std::count(s.coeffs.begin(), s.coeffs.end(), 0) + 1 == static_cast<long>(s.coeffs.size()) &&
                            std::count(s.coeffs.begin(), s.coeffs.end(), 1) == 1;
    const bool same_as_input = distinct_examples && one_symbol && d < x.shape.size() && x.shape[d] < 0 &&
                               x.example[d] == n.attrs.ints[d];
    if (same_as_input) target[d] = 0;
    else target[d] = -1, ++unknown;
  }
  const std::string shape = unknown <= 1 ? e.b.ints(target) : e.b.shape_tensor(n, 0, target.size());
  e.direct({e.in(0), shape});
}

void emit_random(const Emit& e) {
  const size_t rank = e.n.attrs.ints.size() - 2;  // shape ++ {seed, offset}
  if (e.b.has_symbolic(e.n, 0, rank)) e.unmapped("a random tensor with a symbolic shape");
  onnx::NodeProto* r = e.direct({});
  const Shape shape = e.n.attrs.shape_at(0, rank);
  set_attr(r, "shape", std::vector<int64_t>(shape.begin(), shape.end()));
  set_attr(r, "dtype", static_cast<int64_t>(onnx_elem_type(e.n.attrs.dtype)));
}

}  // namespace

void emit(Builder& b, const Node& n) {
  const Emit e{b, n};
  switch (n.kind) {
    // --- the op's own ONNX op (ops.def), attributes or inputs converted ---
    case OpKind::full: {
      const size_t rank = n.attrs.ints.size();
      set_attr_scalar(e.direct({b.shape_tensor(n, 0, rank)}), "value", e.f(0), n.attrs.dtype);
      return;
    }
    case OpKind::arange: {
      const DType dt = n.attrs.dtype;
      e.direct({b.scalar(e.f(0), dt), b.scalar(e.f(1), dt), b.scalar(e.f(2), dt)});
      return;
    }
    case OpKind::rand: case OpKind::randn: return emit_random(e);
    case OpKind::cast: set_attr(e.direct({e.in(0)}), "to", static_cast<int64_t>(onnx_elem_type(n.attrs.dtype))); return;
    case OpKind::add_scalar: case OpKind::mul_scalar: case OpKind::pow_scalar:
      e.direct({e.in(0), b.scalar(e.f(0), e.dtype(0))});
      return;
    case OpKind::sum: {
      std::vector<std::string> ins{e.in(0)};
      if (const auto axes = e.reduce_axes(); !axes.empty()) ins.push_back(b.ints(axes));  // an input from opset 13
      set_attr(e.direct(ins), "keepdims", int64_t{e.keepdim()});
      return;
    }
    case OpKind::mean: e.reduce(op_traits(n.kind).onnx, e.in(0), e.reduce_axes(), e.keepdim(), e.out()); return;
    case OpKind::max: case OpKind::logsumexp:
      e.reduce(op_traits(n.kind).onnx, e.in(0), {e.axis(e.i(0))}, e.i(1) != 0, e.out());
      return;
    case OpKind::argmax: {
      onnx::NodeProto* a = e.direct({e.in(0)});
      set_attr(a, "axis", e.axis(e.i(0)));
      set_attr(a, "keepdims", int64_t{e.i(1) != 0});
      return;
    }
    case OpKind::reshape: return emit_reshape(e);
    case OpKind::permute: {
      std::vector<int64_t> perm;
      for (int64_t d : n.attrs.ints) perm.push_back(e.axis(d));
      set_attr(e.direct({e.in(0)}), "perm", perm);
      return;
    }
    case OpKind::expand: {
      // Tern's -1 keeps a dim; ONNX Expand broadcasts, so 1 keeps it too.
      Node ones = n;
      for (int64_t& d : ones.attrs.ints) d = d == -1 ? 1 : d;
      e.direct({e.in(0), b.shape_tensor(ones, 0, ones.attrs.ints.size())});
      return;
    }
    case OpKind::slice:
      e.direct({e.in(0), b.shape_tensor(n, 1, 1), b.shape_tensor(n, 2, 1), b.ints({e.axis(e.i(0))}),
                b.shape_tensor(n, 3, 1)});
      return;
    case OpKind::pad: return emit_pad(e);
    case OpKind::cat: set_attr(e.direct(e.all_inputs()), "axis", e.axis(e.i(0))); return;
    case OpKind::gather: case OpKind::index_select: set_attr(e.direct({e.in(0), e.in(1)}), "axis", e.axis(e.i(0))); return;
    case OpKind::embedding: set_attr(e.direct({e.in(0), e.in(1)}), "axis", int64_t{0}); return;
    case OpKind::conv2d: return emit_conv(e);
    case OpKind::max_pool2d: case OpKind::avg_pool2d: return emit_pool(e);
    case OpKind::batch_norm: return emit_batch_norm(e);
    case OpKind::softmax: case OpKind::log_softmax: set_attr(e.direct({e.in(0)}), "axis", e.axis(e.i(0))); return;
    case OpKind::nll_loss: case OpKind::cross_entropy:
      set_attr(e.direct({e.in(0), e.in(1)}), "reduction", std::string("mean"));
      return;
    case OpKind::dropout:  // a training-mode draw (eval-mode dropout is not an op)
      e.direct({e.in(0), b.scalar(e.f(0), e.dtype(0)), b.scalar(1, DType::boolean)});
      return;

    // --- composites: no single ONNX op ---
    case OpKind::relu_grad:  // g where y > 0, else 0
      e.node("Where", {b.op("Greater", {e.in(1), b.scalar(0, e.dtype(1))}), e.in(0), b.scalar(0, e.dtype(0))});
      return;
    case OpKind::ne: e.node("Not", {b.op("Equal", {e.in(0), e.in(1)})}); return;
    case OpKind::var: return emit_var(e);
    case OpKind::linear: return emit_linear(e);
    case OpKind::layer_norm: return emit_layer_norm(e);
    case OpKind::mse_loss: {
      const std::string d = b.op("Sub", {e.in(0), e.in(1)});
      e.reduce("ReduceMean", b.op("Mul", {d, d}), {}, false, e.out());
      return;
    }

    // --- impossible in opset 13 ---
    case OpKind::scatter_add: e.unmapped("ScatterElements with reduction 'add' needs opset 16");
    case OpKind::index_add: e.unmapped("no ONNX op adds rows at indices in opset 13");
    default: break;
  }
  // The rest become their ONNX op with the same inputs and no attributes
  // (unary and binary element-wise ops, comparisons, where, matmul, contiguous).
  if (*op_traits(n.kind).onnx) {
    e.direct(e.all_inputs());
    return;
  }
  if (op_traits(n.kind).family == OpFamily::backward)
    e.unmapped("gradient ops are exported only as part of a training graph, which ONNX inference does not run");
  e.unmapped("no ONNX lowering written for it (tern/graph/export/onnx_ops.cc)");
}

}  // namespace tern::graph::onnx_export
