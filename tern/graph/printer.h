// Printing a graph: a readable text listing and Graphviz dot.
#pragma once

#include <string>

#include "tern/graph/ir.h"

namespace tern::graph {

// graph(%0: f32[-1, 784]) {
//   %1 = capture f32[256, 784] param
//   %3 = linear(%0, %1, %2) ints=[] : f32[-1, 256]
//   return (%3)
// }
std::string to_text(const Graph& g);
// digraph: one box per node, one ellipse per input or capture, edges labelled
// with the value's dtype and shape.
std::string to_dot(const Graph& g);

}  // namespace tern::graph
