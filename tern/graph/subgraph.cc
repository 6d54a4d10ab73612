#include "tern/graph/subgraph.h"

#include <unordered_map>

namespace tern::graph {

Graph subgraph(const Graph& g, size_t first, size_t end, const std::vector<int>& inputs, const std::vector<int>& outputs) {
  Graph s;
  std::unordered_map<int, int> id;  // value of g -> value of s
  for (int v : inputs) {
    const Value& val = g.value(v);
    id.emplace(v, s.add_input(val.dtype, val.shape, val.example));
  }
  const auto map = [&](int v) {
    if (v < 0) return -1;
    if (auto it = id.find(v); it != id.end()) return it->second;
    const Value& val = g.value(v);
    TERN_CHECK(val.kind == ValueKind::capture, "subgraph: value %", v, " is read but is neither an input of the ",
               "subgraph nor made inside it");
    const int c = s.add_capture(val.captured, val.constant);
    s.value(c).shape = val.shape;
    return id[v] = c;
  };
  for (size_t p = first; p < end; ++p) {
    const Node& n = g.nodes()[p];
    std::vector<int> ins;
    for (int v : n.inputs) ins.push_back(map(v));
    std::vector<TensorMeta> metas;
    for (int v : n.outputs) metas.push_back({g.value(v).example, g.value(v).dtype});
    s.add_node(n.kind, n.attrs, ins, metas);
    Node& copy = s.nodes().back();
    copy.sym_ints = n.sym_ints;
    copy.detached = n.detached;
    copy.fresh_random = n.fresh_random;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      s.value(copy.outputs[k]).shape = g.value(n.outputs[k]).shape;
      id[n.outputs[k]] = copy.outputs[k];
    }
  }
  std::vector<int> outs;
  for (int v : outputs) outs.push_back(map(v));
  s.set_outputs(outs);
  s.set_symbol_examples(g.symbol_examples());
  return s;
}

}  // namespace tern::graph
