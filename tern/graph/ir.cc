#include "tern/graph/ir.h"

namespace tern::graph {

bool is_random(OpKind kind) { return op_traits(kind).family == OpFamily::random; }

bool has_side_effects(OpKind kind) { return is_random(kind) || op_def(kind).mutates_inputs; }

int Graph::add_input(DType dtype, const Shape& shape, const Shape& example) {
  Value v;
  v.id = static_cast<int>(values_.size());
  v.kind = ValueKind::input;
  v.dtype = dtype;
  v.shape = shape;
  v.example = example;
  v.input_index = static_cast<int>(inputs_.size());
  values_.push_back(v);
  inputs_.push_back(v.id);
  return v.id;
}

int Graph::add_capture(const Tensor& t, bool constant) {
  Value v;
  v.id = static_cast<int>(values_.size());
  v.kind = ValueKind::capture;
  v.dtype = t.dtype();
  v.shape = v.example = t.shape();
  v.captured = t;
  v.constant = constant;
  values_.push_back(std::move(v));
  return static_cast<int>(values_.size()) - 1;
}

int Graph::add_node(OpKind kind, const Attrs& attrs, std::vector<int> inputs, const std::vector<TensorMeta>& metas) {
  Node n;
  n.id = next_node_id_++;
  n.kind = kind;
  n.attrs = attrs;
  n.inputs = std::move(inputs);
  for (size_t k = 0; k < metas.size(); ++k) {
    Value v;
    v.id = static_cast<int>(values_.size());
    v.kind = ValueKind::node_output;
    v.dtype = metas[k].dtype;
    v.shape = v.example = metas[k].shape;
    v.node = n.id;
    v.output_nr = static_cast<int>(k);
    values_.push_back(v);
    n.outputs.push_back(v.id);
  }
  nodes_.push_back(std::move(n));
  return nodes_.back().id;
}

void Graph::replace_uses(int from, int to) {
  for (Node& n : nodes_)
    for (int& v : n.inputs)
      if (v == from) v = to;
  for (int& v : outputs_)
    if (v == from) v = to;
}

void Graph::erase_nodes(const std::vector<bool>& remove) {
  TERN_ASSERT(remove.size() == nodes_.size(), "erase_nodes: one flag per node");
  std::vector<Node> kept;
  kept.reserve(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!remove[i]) {
      kept.push_back(std::move(nodes_[i]));
      continue;
    }
    for (int v : nodes_[i].outputs) values_[static_cast<size_t>(v)].node = -1;
  }
  nodes_ = std::move(kept);
}

void Graph::make_constant(int value_id, const Tensor& t) {
  Value& v = value(value_id);
  v.kind = ValueKind::capture;
  v.node = -1;
  v.captured = t;
  v.constant = true;
}

Attrs resolve_attrs(const Node& node, const std::vector<int64_t>& symbols) {
  Attrs a = node.attrs;
  for (const SymInt& s : node.sym_ints) {
    int64_t v = s.offset;
    for (size_t j = 0; j < s.coeffs.size(); ++j) v += s.coeffs[j] * symbols[j];
    a.ints[static_cast<size_t>(s.index)] = v;
  }
  return a;
}

}  // namespace tern::graph
