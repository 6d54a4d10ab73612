// Graph passes and the pass manager. A pass is a small class with a name
// that rewrites a Graph in place; later passes (MetaFlow substitutions,
// batch-norm fission/fusion) plug in the same way.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/base/registry.h"
#include "tern/graph/ir.h"

namespace tern::graph::passes {

class Pass {
 public:
  virtual ~Pass() = default;
  virtual const char* name() const = 0;
  // Rewrites g; returns true if anything changed.
  virtual bool run(Graph& g) = 0;
};

struct PassRecord {
  std::string pass;
  bool changed = false;
  size_t nodes_before = 0, nodes_after = 0;
};

class PassManager {
 public:
  PassManager& add(std::unique_ptr<Pass> pass);
  // Runs the passes in order, verifying the graph after each, and repeats
  // the sequence while any pass changes something (at most `max_rounds`).
  std::vector<PassRecord> run(Graph& g, int max_rounds = 4) const;
  std::vector<std::string> names() const;
  bool empty() const { return passes_.empty(); }

  // Constant folding, then CSE, then DCE, then fusion scheduling.
  static PassManager default_pipeline();
  // The passes named in a comma list, from the pass registry, in order.
  static PassManager from_names(const std::string& names);

 private:
  std::vector<std::shared_ptr<Pass>> passes_;
};

// Passes by name (the registry idiom of tern/base/registry.h):
// constant-folding, cse, dce, fusion-scheduling.
using PassRegistry = Registry<std::unique_ptr<Pass>()>;
const PassRegistry& pass_registry();

// Values that some node mutates in place (batch norm's running statistics):
// reads of them are not pure, so CSE and folding leave their readers alone.
std::vector<bool> mutated_values(const Graph& g);

}  // namespace tern::graph::passes
