// Elementwise fusion for the executor's planned path: a run of consecutive
// f32 elementwise nodes over the same number of elements (operands of that
// size or single elements) is evaluated as one loop over chunks of elements,
// op after op, without writing intermediates that nothing outside the run
// reads. Numerics follow the reference kernels' expressions.
//
// A small `linear` (inner size <= kFusedLinearMaxIn, read from outside the
// run) joins a run too: each output element is its row's dot product plus
// bias, so a tiny layer and its activation run as one loop instead of a
// GEMM call (whose fixed cost dwarfs a [16, 2] x [2, 10] product) plus a
// kernel per activation.
#pragma once

#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

inline constexpr int64_t kFusedLinearMaxIn = 32;

struct FusedStep {
  OpKind kind = OpKind::kCount;
  int a = 0, b = 0;  // operands: >= 0 an earlier step, < 0 external -(k + 1)
  // linear: a = x, b = weight, c = bias, all externals (c >= 0: no bias);
  // y[r, o] = bias[o] + sum_k x[r, k] * weight[o, k], weight [out, in].
  int c = 0;
  int64_t in = 0, out = 0;
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

// The ops a fused run can hold (unary, scalar and binary elementwise).
bool fusable_kind(OpKind kind);

// Runs of at least two fusable nodes. `meta` holds every value's dtype and
// shape for this plan.
std::vector<FusedGroup> find_fused_groups(const Graph& g, const std::vector<TensorMeta>& meta);

// Working memory of one thread running a fused run over chunks.
struct FusedWork {
  std::vector<float> chunks;  // per step and external: one chunk
  std::vector<const float*> res, in;
};

// The inputs and outputs of one fused run, and the working memory of a
// serial run (kept by the caller across calls, so a small run allocates
// nothing).
struct FusedScratch {
  std::vector<const float*> ext;   // external k's data
  std::vector<int64_t> ext_numel;  // its element count: the run's, 1, or (a linear's operand) any
  std::vector<float*> dst;         // where a written step goes (unused for others)
  FusedWork work;
};

// Runs of more than this many elements are split over threads, as the
// elementwise kernels are (each thread with its own working memory).
inline constexpr int64_t kFusedParallelGrain = 32768;

void run_fused(const FusedGroup& fg, FusedScratch& io);

}  // namespace tern::graph
