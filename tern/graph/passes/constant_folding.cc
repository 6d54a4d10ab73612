#include "tern/autograd/grad_mode.h"
#include "tern/graph/passes/passes.h"

namespace tern::graph::passes {

bool ConstantFolding::run(Graph& g) {
  const std::vector<bool> mutated = mutated_values(g);
  std::vector<bool> remove(g.nodes().size(), false);
  bool changed = false;
  NoGradGuard no_grad;  // folded results are constants, outside autograd
  for (size_t p = 0; p < g.nodes().size(); ++p) {
    const Node& n = g.nodes()[p];
    if (has_side_effects(n.kind) || !n.sym_ints.empty()) continue;
    bool foldable = true;
    Tensor in[kMaxInputs];
    for (size_t i = 0; i < n.inputs.size() && foldable; ++i) {
      const int v = n.inputs[i];
      if (v < 0) continue;
      const Value& val = g.value(v);
      foldable = val.kind == ValueKind::capture && val.constant && !mutated[static_cast<size_t>(v)];
      if (foldable) in[i] = val.captured;
    }
    if (!foldable) continue;
    Tensor out[kMaxOutputs];
    const int nout = dispatch(n.kind, in, static_cast<int>(n.inputs.size()), n.attrs, out);
    TERN_ASSERT(nout == static_cast<int>(n.outputs.size()), "constant folding: output count changed");
    for (int k = 0; k < nout; ++k) g.make_constant(n.outputs[static_cast<size_t>(k)], out[k]);
    remove[p] = changed = true;
  }
  if (changed) g.erase_nodes(remove);
  return changed;
}

}  // namespace tern::graph::passes
