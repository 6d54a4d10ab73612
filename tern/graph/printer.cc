#include "tern/graph/printer.h"

#include <sstream>

namespace tern::graph {

namespace {

std::string type_str(const Value& v) { return str_cat(dtype_name(v.dtype), shape_str(v.shape)); }

std::string attrs_str(const Node& n) {
  std::ostringstream os;
  const Attrs& a = n.attrs;
  if (!a.ints.empty()) {
    os << " ints=[";
    for (size_t i = 0; i < a.ints.size(); ++i) {
      os << (i ? ", " : "");
      const SymInt* sym = nullptr;
      for (const SymInt& s : n.sym_ints)
        if (s.index == static_cast<int>(i)) sym = &s;
      if (!sym) {
        os << a.ints[i];
        continue;
      }
      os << sym->offset;  // an affine form: b + a0*s0 + ...
      for (size_t j = 0; j < sym->coeffs.size(); ++j)
        if (sym->coeffs[j] != 0) os << "+" << sym->coeffs[j] << "*s" << j;
    }
    os << "]";
  }
  if (!a.floats.empty()) {
    os << " floats=[";
    for (size_t i = 0; i < a.floats.size(); ++i) os << (i ? ", " : "") << a.floats[i];
    os << "]";
  }
  if (a.dtype != DType::f32) os << " dtype=" << dtype_name(a.dtype);
  return os.str();
}

std::string capture_str(const Value& v) {
  std::string s = str_cat(type_str(v), v.constant ? " const" : " param");
  if (!v.captured.impl()->name.empty()) s += str_cat(" \"", v.captured.impl()->name, "\"");
  return s;
}

}  // namespace

std::string to_text(const Graph& g) {
  std::ostringstream os;
  os << "graph(";
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const Value& v = g.value(g.inputs()[i]);
    os << (i ? ", " : "") << "%" << v.id << ": " << type_str(v);
  }
  os << ") {\n";
  for (const Value& v : g.values())
    if (v.kind == ValueKind::capture) os << "  %" << v.id << " = capture " << capture_str(v) << "\n";
  for (const Node& n : g.nodes()) {
    os << "  ";
    for (size_t k = 0; k < n.outputs.size(); ++k) os << (k ? ", " : "") << "%" << n.outputs[k];
    os << " = " << op_name(n.kind) << "(";
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      os << (i ? ", " : "");
      if (n.inputs[i] < 0) os << "none";
      else if (n.detached >> i & 1u) os << "detach(%" << n.inputs[i] << ")";
      else os << "%" << n.inputs[i];
    }
    os << ")" << attrs_str(n) << " :";
    for (size_t k = 0; k < n.outputs.size(); ++k) os << (k ? ", " : " ") << type_str(g.value(n.outputs[k]));
    os << "\n";
  }
  os << "  return (";
  for (size_t k = 0; k < g.outputs().size(); ++k) os << (k ? ", " : "") << "%" << g.outputs()[k];
  os << ")\n}\n";
  return os.str();
}

std::string to_dot(const Graph& g) {
  std::ostringstream os;
  os << "digraph tern_graph {\n  rankdir=TB;\n  node [fontname=\"monospace\"];\n";
  // Where each value comes from: a node box, or its own ellipse.
  std::vector<std::string> source(g.values().size());
  for (const Value& v : g.values()) {
    if (v.kind == ValueKind::input) {
      os << "  v" << v.id << " [shape=ellipse, label=\"input " << v.input_index << "\\n" << type_str(v) << "\"];\n";
      source[static_cast<size_t>(v.id)] = str_cat("v", v.id);
    } else if (v.kind == ValueKind::capture) {
      os << "  v" << v.id << " [shape=ellipse, style=dashed, label=\"%" << v.id << "\\n" << capture_str(v) << "\"];\n";
      source[static_cast<size_t>(v.id)] = str_cat("v", v.id);
    }
  }
  for (const Node& n : g.nodes()) {
    os << "  n" << n.id << " [shape=box, label=\"" << op_name(n.kind) << "\"];\n";
    for (int v : n.outputs) source[static_cast<size_t>(v)] = str_cat("n", n.id);
  }
  for (const Node& n : g.nodes())
    for (int v : n.inputs)
      if (v >= 0 && !source[static_cast<size_t>(v)].empty())
        os << "  " << source[static_cast<size_t>(v)] << " -> n" << n.id << " [label=\"%" << v << " "
           << type_str(g.value(v)) << "\"];\n";
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const int v = g.outputs()[k];
    os << "  out" << k << " [shape=doublecircle, label=\"out " << k << "\"];\n";
    if (!source[static_cast<size_t>(v)].empty()) os << "  " << source[static_cast<size_t>(v)] << " -> out" << k << ";\n";
  }
  os << "}\n";
  return os.str();
}

}  // namespace tern::graph
