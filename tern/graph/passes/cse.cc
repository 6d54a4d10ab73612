#include <cstring>
#include <sstream>
#include <unordered_map>

#include "tern/graph/passes/passes.h"

namespace tern::graph::passes {

namespace {

// Everything that makes two calls compute the same thing.
std::string node_key(const Node& n) {
  std::ostringstream os;
  os << static_cast<int>(n.kind) << '|' << static_cast<int>(n.attrs.dtype) << '|';
  for (int64_t i : n.attrs.ints) os << i << ',';
  os << '|';
  for (double f : n.attrs.floats) {
    uint64_t bits;
    std::memcpy(&bits, &f, sizeof bits);  // exact, and NaN-safe
    os << bits << ',';
  }
  os << '|';
  for (const SymInt& s : n.sym_ints) {
    os << s.index << ':' << s.offset;
    for (int64_t c : s.coeffs) os << ',' << c;
    os << ';';
  }
  os << '|';
  for (int v : n.inputs) os << v << ',';
  os << '|' << n.detached;
  return os.str();
}

}  // namespace

bool CommonSubexpressionElimination::run(Graph& g) {
  const std::vector<bool> mutated = mutated_values(g);
  std::unordered_map<std::string, size_t> seen;
  std::vector<bool> remove(g.nodes().size(), false);
  bool changed = false;
  for (size_t p = 0; p < g.nodes().size(); ++p) {
    const Node& n = g.nodes()[p];
    if (has_side_effects(n.kind)) continue;
    bool pure = true;
    for (int v : n.inputs) pure = pure && (v < 0 || !mutated[static_cast<size_t>(v)]);
    if (!pure) continue;
    const auto [it, fresh] = seen.emplace(node_key(n), p);
    if (fresh) continue;
    const Node& first = g.nodes()[it->second];
    for (size_t k = 0; k < n.outputs.size(); ++k) g.replace_uses(n.outputs[k], first.outputs[k]);
    remove[p] = changed = true;
  }
  if (changed) g.erase_nodes(remove);
  return changed;
}

}  // namespace tern::graph::passes
