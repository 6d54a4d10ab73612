#include "tern/graph/passes/passes.h"

namespace tern::graph::passes {

bool DeadCodeElimination::run(Graph& g) {
  std::vector<bool> live(g.values().size(), false);
  for (int v : g.outputs()) live[static_cast<size_t>(v)] = true;
  std::vector<bool> remove(g.nodes().size(), false);
  bool changed = false;
  for (size_t p = g.nodes().size(); p-- > 0;) {
    const Node& n = g.nodes()[p];
    bool keep = op_def(n.kind).mutates_inputs;
    for (int v : n.outputs) keep = keep || live[static_cast<size_t>(v)];
    if (!keep) {
      remove[p] = changed = true;
      continue;
    }
    for (int v : n.inputs)
      if (v >= 0) live[static_cast<size_t>(v)] = true;
  }
  if (changed) g.erase_nodes(remove);
  return changed;
}

}  // namespace tern::graph::passes
