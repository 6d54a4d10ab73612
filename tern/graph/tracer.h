// The tracer: runs a function eagerly once with an OpObserver installed and
// records every top-level op call into a Graph (TensorFlow Eager's staging).
// Tensors are matched to Values by TensorImpl identity; a tensor that is
// neither an argument nor made by a recorded op is captured by reference.
#pragma once

#include <functional>
#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

using StagedFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

struct Trace {
  Graph graph;
  std::vector<Tensor> outputs;  // what the eager run returned
};

// Runs fn(args) once and records it. Captures that nothing but the graph
// still holds afterwards (tensors made inside fn without an op, e.g.
// Tensor::scalar) are marked constant; others (parameters, buffers) are not.
// A tensor made without an op that aliases an argument or an op's output
// exactly (detach(), autograd's saved tensors) is recorded as that value
// read through detach(); any other non-op view of such data throws
// NotImplementedError, since the graph would replay stale data.
Trace trace(const StagedFn& fn, const std::vector<Tensor>& args);

// True while this thread is inside trace() (the executor then calls ops
// through dispatch so that an enclosing trace records them).
bool tracing_now();

}  // namespace tern::graph
