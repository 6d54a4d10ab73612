// Shape polymorphism for explicit signatures with symbolic dims.
//
// Attributes may embed sizes (reshape targets, expand shapes, full shapes),
// so a graph traced at one size is wrong at another. We trace at the first
// call's sizes s0 and, per symbol j, at s0 + e_j and s0 + 2 e_j (probes),
// then require the three graphs to have the same structure; every attribute
// int that differs must be affine in the symbol (checked on all three points)
// and becomes a SymInt re-evaluated on each call.
#pragma once

#include <string>
#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

// probes[j][0] and probes[j][1] were traced with symbol j at s0[j] + 1 and
// s0[j] + 2 (others at s0). On success marks g symbolic and returns "";
// otherwise returns why the function's structure depends on the sizes.
std::string make_symbolic(Graph& g, const std::vector<int64_t>& s0, const std::vector<std::vector<const Graph*>>& probes);

// `x` grown by `delta` along dim d, repeating its last slice (so index
// tensors stay valid): a probe's argument.
Tensor grow_dim(const Tensor& x, int64_t d, int64_t delta);

}  // namespace tern::graph
