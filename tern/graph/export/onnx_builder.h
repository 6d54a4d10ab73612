// Emits ONNX nodes for one Tern graph: value names, constants, attributes,
// and the shape tensors that attributes with symbolic dims turn into.
// Private to tern/graph/export (needs libonnx's protobuf classes).
#pragma once

#include <onnx/onnx_pb.h>

#include <map>
#include <string>
#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph::onnx_export {

// ONNX's TensorProto element type for a Tern dtype.
int onnx_elem_type(DType dtype);

class Builder {
 public:
  Builder(const Graph& g, onnx::GraphProto* proto) : g_(g), proto_(proto) {}

  const Graph& graph() const { return g_; }
  // The ONNX name of value `id` (set_name first, then "v<id>").
  std::string name(int id) const;
  void set_name(int id, std::string name) { names_[id] = std::move(name); }
  // A name no other tensor has, for helper results.
  std::string fresh();

  // Appends a node; returns it so callers can add attributes.
  onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs);
  // One-output node with a fresh output name; returns that name.
  std::string op(const std::string& op, const std::vector<std::string>& inputs);

  // Initializers: a tensor's contents (contiguous copy), a 1-D i64 vector,
  // a 0-D scalar of `dtype`.
  void add_initializer(const std::string& name, const Tensor& t);
  std::string ints(const std::vector<int64_t>& v);
  std::string scalar(double v, DType dtype);

  // attrs.ints[first, first + n) of node n as a 1-D i64 tensor: a constant,
  // or, where an int is a SymInt, computed from the inputs' Shape.
  std::string shape_tensor(const Node& n, size_t first, size_t count);
  bool has_symbolic(const Node& n, size_t first, size_t count) const;

 private:
  std::string symbol(int j);  // [1] i64 tensor: the value of symbolic dim j

  const Graph& g_;
  onnx::GraphProto* proto_;
  std::map<int, std::string> names_;
  std::map<int, std::string> symbols_;
  int next_ = 0;
};

void set_attr(onnx::NodeProto* n, const std::string& name, int64_t v);
void set_attr(onnx::NodeProto* n, const std::string& name, float v);
void set_attr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v);
void set_attr(onnx::NodeProto* n, const std::string& name, const std::string& v);
// A tensor-valued attribute holding one element (ConstantOfShape's value).
void set_attr_scalar(onnx::NodeProto* n, const std::string& name, double v, DType dtype);

// Emits the ONNX nodes for Tern node n (inputs/outputs named by b). Throws
// NotImplementedError if the op has no mapping.
void emit(Builder& b, const Node& n);

}  // namespace tern::graph::onnx_export
