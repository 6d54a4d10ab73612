// Saves what running a graph changes besides its outputs -- tensors its ops
// mutate (batch-norm running statistics) and the default generator -- so an
// extra run (a symbolic-dim probe, the trace of a staged backward) leaves no
// trace.
#pragma once

#include <utility>
#include <vector>

#include "tern/base/philox.h"
#include "tern/graph/ir.h"

namespace tern::graph {

class StateSnapshot {
 public:
  explicit StateSnapshot(const Graph& g);
  // False if a mutated capture is not contiguous (it cannot be restored).
  bool ok() const { return ok_; }
  void restore() const;

 private:
  std::vector<std::pair<Tensor, Tensor>> saved_;  // (live tensor, copy)
  Generator rng_;
  bool ok_ = true;
};

}  // namespace tern::graph
