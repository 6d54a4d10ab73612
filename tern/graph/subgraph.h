// Cutting a graph in two: the nodes of a range, with chosen values as the new
// graph's inputs (the staged backward splits one forward+backward trace into
// a forward graph and a backward graph this way).
#pragma once

#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

// A new graph holding g's nodes [first, end) in order, whose inputs are the
// values `inputs` of g and whose outputs are the values `outputs` of g.
// Captures the nodes read are captured again (same tensors). Every other
// value the nodes read must be made by a node in the range; if not, throws
// ValueError naming it.
Graph subgraph(const Graph& g, size_t first, size_t end, const std::vector<int>& inputs, const std::vector<int>& outputs);

}  // namespace tern::graph
