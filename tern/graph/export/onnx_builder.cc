#include "tern/graph/export/onnx_builder.h"

#include <cstring>

#include "tern/ops/ops.h"

namespace tern::graph::onnx_export {

namespace {

// `v` converted to one element of `dtype`, as little-endian bytes (raw_data).
std::string element_bytes(double v, DType dtype) {
  const auto bytes = [](auto x) { return std::string(reinterpret_cast<const char*>(&x), sizeof x); };
  switch (dtype) {
    case DType::f32: return bytes(static_cast<float>(v));
    case DType::f64: return bytes(v);
    case DType::i32: return bytes(static_cast<int32_t>(v));
    case DType::i64: return bytes(static_cast<int64_t>(v));
    case DType::u8: return bytes(static_cast<uint8_t>(v));
    case DType::boolean: return bytes(static_cast<uint8_t>(v != 0));
    case DType::f16:
    case DType::bf16: break;
  }
  TERN_CHECK_T(NotImplementedError, false, "onnx export: a ", dtype_name(dtype), " constant is not supported");
  return {};
}

}  // namespace

int onnx_elem_type(DType dtype) {
  switch (dtype) {
    case DType::f32: return onnx::TensorProto::FLOAT;
    case DType::f64: return onnx::TensorProto::DOUBLE;
    case DType::i32: return onnx::TensorProto::INT32;
    case DType::i64: return onnx::TensorProto::INT64;
    case DType::u8: return onnx::TensorProto::UINT8;
    case DType::boolean: return onnx::TensorProto::BOOL;
    case DType::f16: return onnx::TensorProto::FLOAT16;
    case DType::bf16: return onnx::TensorProto::BFLOAT16;
  }
  return onnx::TensorProto::UNDEFINED;
}

std::string Builder::name(int id) const {
  const auto it = names_.find(id);
  return it != names_.end() ? it->second : str_cat("v", id);
}

std::string Builder::fresh() { return str_cat("t", next_++); }

onnx::NodeProto* Builder::node(const std::string& op, const std::vector<std::string>& inputs,
                               const std::vector<std::string>& outputs) {
  onnx::NodeProto* n = proto_->add_node();
  n->set_op_type(op);
  n->set_name(str_cat(op, "_", proto_->node_size()));
  for (const std::string& i : inputs) n->add_input(i);
  for (const std::string& o : outputs) n->add_output(o);
  return n;
}

std::string Builder::op(const std::string& op, const std::vector<std::string>& inputs) {
  std::string out = fresh();
  node(op, inputs, {out});
  return out;
}

void Builder::add_initializer(const std::string& name, const Tensor& t) {
  onnx::TensorProto* p = proto_->add_initializer();
  p->set_name(name);
  p->set_data_type(onnx_elem_type(t.dtype()));
  for (int64_t d : t.shape()) p->add_dims(d);
  const Tensor c = contiguous(t.detach());
  p->set_raw_data(std::string(static_cast<const char*>(c.raw_data()), c.nbytes()));
}

std::string Builder::ints(const std::vector<int64_t>& v) {
  const std::string out = fresh();
  onnx::TensorProto* p = proto_->add_initializer();
  p->set_name(out);
  p->set_data_type(onnx::TensorProto::INT64);
  p->add_dims(static_cast<int64_t>(v.size()));
  for (int64_t x : v) p->add_int64_data(x);
  return out;
}

std::string Builder::scalar(double v, DType dtype) {
  const std::string out = fresh();
  onnx::TensorProto* p = proto_->add_initializer();
  p->set_name(out);
  p->set_data_type(onnx_elem_type(dtype));
  p->set_raw_data(element_bytes(v, dtype));
  return out;
}

std::string Builder::symbol(int j) {
  if (auto it = symbols_.find(j); it != symbols_.end()) return it->second;
  const auto& sym = g_.input_symbols();
  for (size_t i = 0; i < sym.size(); ++i)
    for (size_t d = 0; d < sym[i].size(); ++d) {
      if (sym[i][d] != j) continue;
      // Shape(input)[d:d+1]: Gather with a 1-D index keeps a [1] tensor for Concat.
      const std::string shape = op("Shape", {name(g_.inputs()[i])});
      onnx::NodeProto* n = node("Gather", {shape, ints({static_cast<int64_t>(d)})}, {fresh()});
      set_attr(n, "axis", int64_t{0});
      return symbols_[j] = n->output(0);
    }
  TERN_ASSERT(false, "onnx export: symbolic dim s", j, " is not a dim of any graph input");
  return {};
}

bool Builder::has_symbolic(const Node& n, size_t first, size_t count) const {
  for (const SymInt& s : n.sym_ints)
    if (s.index >= static_cast<int>(first) && s.index < static_cast<int>(first + count)) return true;
  return false;
}

std::string Builder::shape_tensor(const Node& n, size_t first, size_t count) {
  std::vector<int64_t> fixed(n.attrs.ints.begin() + static_cast<std::ptrdiff_t>(first),
                             n.attrs.ints.begin() + static_cast<std::ptrdiff_t>(first + count));
  if (!has_symbolic(n, first, count)) return ints(fixed);
  // Concat of runs of fixed ints and, for each SymInt, offset + sum_j c_j * s_j.
  std::vector<std::string> parts;
  std::vector<int64_t> run;
  for (size_t k = 0; k < count; ++k) {
    const SymInt* sym = nullptr;
    for (const SymInt& s : n.sym_ints)
      if (s.index == static_cast<int>(first + k)) sym = &s;
    if (!sym) {
      run.push_back(fixed[k]);
      continue;
    }
    if (!run.empty()) parts.push_back(ints(run)), run.clear();
    std::string acc = sym->offset != 0 ? ints({sym->offset}) : "";
    for (size_t j = 0; j < sym->coeffs.size(); ++j) {
      if (sym->coeffs[j] == 0) continue;
      std::string term = symbol(static_cast<int>(j));
      if (sym->coeffs[j] != 1) term = op("Mul", {term, ints({sym->coeffs[j]})});
      acc = acc.empty() ? term : op("Add", {acc, term});
    }
    parts.push_back(acc.empty() ? ints({0}) : acc);
  }
  if (!run.empty()) parts.push_back(ints(run));
  if (parts.size() == 1) return parts[0];
  onnx::NodeProto* c = node("Concat", parts, {fresh()});
  set_attr(c, "axis", int64_t{0});
  return c->output(0);
}

void set_attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void set_attr(onnx::NodeProto* n, const std::string& name, float v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void set_attr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void set_attr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

void set_attr_scalar(onnx::NodeProto* n, const std::string& name, double v, DType dtype) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  onnx::TensorProto* t = a->mutable_t();
  t->set_data_type(onnx_elem_type(dtype));
  t->add_dims(1);
  t->set_raw_data(element_bytes(v, dtype));
}

}  // namespace tern::graph::onnx_export
