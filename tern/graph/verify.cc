#include "tern/graph/verify.h"

#include <set>

namespace tern::graph {

namespace {

std::string node_str(const Node& n) { return str_cat("node ", n.id, " (", op_name(n.kind), ")"); }

// A tensor with the value's dtype and example shape that owns one element:
// enough for shape inference, which reads metadata only.
Tensor example_tensor(const Value& v) {
  if (v.kind == ValueKind::capture) return v.captured;
  return make_view(Tensor::empty({1}, v.dtype), v.example, Dims(v.example.size(), 0), 0);
}

std::string check_node(const Graph& g, const Node& n) {
  if (n.inputs.size() > static_cast<size_t>(kMaxInputs))
    return str_cat(node_str(n), ": ", n.inputs.size(), " inputs, at most ", kMaxInputs, " allowed");
  if (n.outputs.empty() || n.outputs.size() > static_cast<size_t>(kMaxOutputs))
    return str_cat(node_str(n), ": ", n.outputs.size(), " outputs, expected 1 to ", kMaxOutputs);
  for (const SymInt& s : n.sym_ints) {
    if (s.index < 0 || static_cast<size_t>(s.index) >= n.attrs.ints.size())
      return str_cat(node_str(n), ": symbolic attribute ", s.index, " out of range");
    if (static_cast<int>(s.coeffs.size()) != g.num_symbols())
      return str_cat(node_str(n), ": symbolic attribute has ", s.coeffs.size(), " coefficients, graph has ",
                     g.num_symbols(), " symbols");
  }
  const OpDef& def = op_def(n.kind);
  if (!def.infer) return "";
  Tensor in[kMaxInputs];
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (n.inputs[i] >= 0) in[i] = example_tensor(g.value(n.inputs[i]));
  TensorMeta meta[kMaxOutputs];
  int nout = 0;
  try {
    nout = def.infer(in, static_cast<int>(n.inputs.size()), n.attrs, meta);
  } catch (const Error& e) {
    return str_cat(node_str(n), ": its op rejects these inputs: ", e.what());
  }
  if (nout != static_cast<int>(n.outputs.size()))
    return str_cat(node_str(n), ": op gives ", nout, " outputs, node has ", n.outputs.size());
  for (int k = 0; k < nout; ++k) {
    const Value& v = g.value(n.outputs[static_cast<size_t>(k)]);
    if (v.dtype != meta[k].dtype)
      return str_cat(node_str(n), ": output ", k, " is ", dtype_name(v.dtype), ", op infers ", dtype_name(meta[k].dtype));
    if (!(v.example == meta[k].shape))
      return str_cat(node_str(n), ": output ", k, " has shape ", shape_str(v.example), ", op infers ",
                     shape_str(meta[k].shape));
  }
  return "";
}

std::string check_value(const Value& v) {
  if (v.shape.size() != v.example.size())
    return str_cat("value %", v.id, ": shape ", shape_str(v.shape), " and example ", shape_str(v.example), " differ in rank");
  for (size_t d = 0; d < v.shape.size(); ++d)
    if (v.shape[d] != -1 && v.shape[d] != v.example[d])
      return str_cat("value %", v.id, ": shape ", shape_str(v.shape), " disagrees with example ", shape_str(v.example));
  if (v.kind == ValueKind::capture && !v.captured.defined()) return str_cat("value %", v.id, ": capture holds no tensor");
  return "";
}

}  // namespace

std::string verify_error(const Graph& g) {
  const int nv = static_cast<int>(g.values().size());
  std::vector<bool> defined(g.values().size(), false);
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::node_output) continue;
    defined[static_cast<size_t>(v.id)] = true;
    if (std::string e = check_value(v); !e.empty()) return e;
  }
  std::set<int> node_ids;
  for (const Node& n : g.nodes()) {
    if (!node_ids.insert(n.id).second) return str_cat(node_str(n), ": duplicate node id");
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const int v = n.inputs[i];
      if (v == -1) continue;
      if (v < 0 || v >= nv) return str_cat(node_str(n), ": input ", i, " names value %", v, ", which does not exist");
      if (!defined[static_cast<size_t>(v)])
        return str_cat(node_str(n), ": input ", i, " uses value %", v, " before it is defined");
    }
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      const int v = n.outputs[k];
      if (v < 0 || v >= nv) return str_cat(node_str(n), ": output ", k, " names value %", v, ", which does not exist");
      const Value& val = g.value(v);
      if (val.kind != ValueKind::node_output || val.node != n.id || val.output_nr != static_cast<int>(k))
        return str_cat(node_str(n), ": output ", k, " (value %", v, ") does not name this node as its producer");
      if (defined[static_cast<size_t>(v)]) return str_cat(node_str(n), ": value %", v, " is defined twice");
      defined[static_cast<size_t>(v)] = true;
      if (std::string e = check_value(val); !e.empty()) return e;
    }
    if (std::string e = check_node(g, n); !e.empty()) return e;
  }
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const int v = g.outputs()[k];
    if (v < 0 || v >= nv || !defined[static_cast<size_t>(v)])
      return str_cat("graph output ", k, " (value %", v, ") is not defined");
  }
  return "";
}

void verify(const Graph& g) {
  const std::string e = verify_error(g);
  if (!e.empty()) throw InternalError(str_cat("graph verifier: ", e));
}

}  // namespace tern::graph
