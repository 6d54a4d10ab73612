#include <optional>
#include <set>

#include "tern/graph/fusion.h"
#include "tern/graph/passes/passes.h"

namespace tern::graph::passes {

bool FusionScheduling::run(Graph& g) {
  std::vector<Node>& nodes = g.nodes();
  for (const Node& n : nodes)
    if (has_side_effects(n.kind)) return false;
  const size_t count = nodes.size();
  std::vector<int> producer(g.values().size(), -1);  // value -> node position
  for (size_t p = 0; p < count; ++p)
    for (int v : nodes[p].outputs) producer[static_cast<size_t>(v)] = static_cast<int>(p);
  std::vector<int> waiting(count, 0);  // producers not yet scheduled
  std::vector<std::vector<size_t>> consumers(count);
  for (size_t p = 0; p < count; ++p) {
    std::set<int> from;
    for (int v : nodes[p].inputs)
      if (v >= 0 && producer[static_cast<size_t>(v)] >= 0) from.insert(producer[static_cast<size_t>(v)]);
    waiting[p] = static_cast<int>(from.size());
    for (int q : from) consumers[static_cast<size_t>(q)].push_back(p);
  }
  const auto elementwise = [&](size_t p) {
    const Node& n = nodes[p];
    return fusable_kind(n.kind) && n.outputs.size() == 1 && g.value(n.outputs[0]).dtype == DType::f32;
  };
  std::set<size_t> ready;  // by original position: ties keep program order
  for (size_t p = 0; p < count; ++p)
    if (waiting[p] == 0) ready.insert(p);
  std::vector<size_t> order;
  std::optional<Shape> run;  // the shape of the elementwise run in progress
  while (!ready.empty()) {
    auto pick = ready.end();
    if (run)
      for (auto it = ready.begin(); it != ready.end() && pick == ready.end(); ++it)
        if (elementwise(*it) && g.value(nodes[*it].outputs[0]).shape == *run) pick = it;
    for (auto it = ready.begin(); it != ready.end() && pick == ready.end(); ++it)
      if (!elementwise(*it)) pick = it;
    if (pick == ready.end()) pick = ready.begin();
    const size_t p = *pick;
    ready.erase(pick);
    order.push_back(p);
    run = elementwise(p) ? std::optional<Shape>(g.value(nodes[p].outputs[0]).shape) : std::nullopt;
    for (size_t q : consumers[p])
      if (--waiting[q] == 0) ready.insert(q);
  }
  TERN_ASSERT(order.size() == count, "fusion-scheduling: the graph has a cycle");
  bool changed = false;
  for (size_t k = 0; k < count; ++k) changed = changed || order[k] != k;
  if (!changed) return false;
  std::vector<Node> reordered;
  reordered.reserve(count);
  for (size_t p : order) reordered.push_back(std::move(nodes[p]));
  nodes = std::move(reordered);
  return true;
}

}  // namespace tern::graph::passes
