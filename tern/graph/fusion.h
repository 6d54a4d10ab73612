// Elementwise fusion for the executor's planned path: a run of consecutive
// f32 elementwise nodes over the same number of elements (operands of that
// size or single elements) is evaluated as one loop over chunks of elements,
// op after op, without writing intermediates that nothing outside the run
// reads. Numerics follow the reference kernels' expressions.
#pragma once

#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

struct FusedStep {
  OpKind kind = OpKind::kCount;
  int a = 0, b = 0;  // operands: >= 0 an earlier step, < 0 external -(k + 1)
  double s = 0;      // the scalar of add_scalar / mul_scalar / pow_scalar
  int value = -1;    // the value this step defines
  bool write = false;  // read outside the run (or a graph output): materialised
};

struct FusedGroup {
  size_t first = 0, last = 0;  // node positions, inclusive
  int64_t numel = 0;
  std::vector<int> externals;  // value ids read from outside the run
  std::vector<FusedStep> steps;  // one per node
};

// Runs of at least two fusable nodes. `meta` holds every value's dtype and
// shape for this plan.
std::vector<FusedGroup> find_fused_groups(const Graph& g, const std::vector<TensorMeta>& meta);

// ext[k]: external k's data (`ext_numel[k]` elements: numel or 1);
// dst[s]: where a written step s goes (unused for others).
void run_fused(const FusedGroup& fg, const std::vector<const float*>& ext, const std::vector<int64_t>& ext_numel,
               const std::vector<float*>& dst, std::vector<float>& scratch);

}  // namespace tern::graph
