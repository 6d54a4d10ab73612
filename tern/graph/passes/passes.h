// The standard passes.
#pragma once

#include "tern/graph/passes/pass.h"

namespace tern::graph::passes {

// Removes nodes none of whose outputs is used by a graph output (directly or
// through other nodes). Nodes that mutate their inputs are always kept;
// random ops whose result is unused are removed.
class DeadCodeElimination : public Pass {
 public:
  const char* name() const override { return "dce"; }
  bool run(Graph& g) override;
};

// Merges nodes with the same op, attributes (symbolic ones included) and
// inputs. Random ops, ops that mutate inputs, and readers of mutated values
// are never merged.
class CommonSubexpressionElimination : public Pass {
 public:
  const char* name() const override { return "cse"; }
  bool run(Graph& g) override;
};

// Runs, once, every node whose inputs are all constant captures (or that has
// no inputs, like full) and replaces its outputs by constant captures.
// Random ops, mutating ops and nodes with symbolic attributes are skipped.
class ConstantFolding : public Pass {
 public:
  const char* name() const override { return "constant-folding"; }
  bool run(Graph& g) override;
};

// Reorders nodes (respecting data dependencies) so that elementwise f32 ops
// over the same shape run back to back, where the executor fuses them: a
// ready non-elementwise node (a GEMM, a convolution) is run before a ready
// elementwise one, and a run of one shape goes on while any of its ops is
// ready. Graphs with random or mutating ops keep their order (their
// relative order is the program's).
class FusionScheduling : public Pass {
 public:
  const char* name() const override { return "fusion-scheduling"; }
  bool run(Graph& g) override;
};

}  // namespace tern::graph::passes
