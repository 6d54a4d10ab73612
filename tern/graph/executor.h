// The executor: runs a Graph on new inputs with a static schedule (the
// nodes' order). Each node is one call of dispatch(), so autograd records
// the staged ops exactly as it records eager ones: backward through a staged
// call gives the eager gradients. A value's tensor is dropped right after its
// last use, so intermediates do not outlive their readers.
#pragma once

#include <memory>
#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

class Executor {
 public:
  explicit Executor(std::shared_ptr<const Graph> graph);

  // Runs the graph. `args` match graph inputs (dtype and rank are the
  // caller's job: Function checks them); `symbols` are the values of the
  // graph's symbolic dims for this call.
  std::vector<Tensor> run(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols = {}) const;

  const Graph& graph() const { return *graph_; }
  const std::shared_ptr<const Graph>& graph_ptr() const { return graph_; }

 private:
  std::shared_ptr<const Graph> graph_;
  std::vector<std::vector<int>> release_after_;  // per node position: values read for the last time there
};

}  // namespace tern::graph
