// The executor: runs a Graph on new inputs with a static schedule (the
// nodes' order). Two paths:
//  - dispatch path: each node is one call of dispatch(), so autograd records
//    the staged ops exactly as it records eager ones (backward through a
//    staged call gives the eager gradients); a value's tensor is dropped
//    right after its last use. Used whenever a gradient may be needed.
//  - planned path (no argument or capture requires grad, or grad mode is off,
//    and no trace is being recorded): kernels are chosen once and called
//    directly, output shapes come from the plan instead of shape inference,
//    and intermediates live in buffers allocated once and shared by values
//    whose lifetimes do not overlap (a memory plan), so a steady-state call
//    allocates only its outputs. Observers (profilers) do not see these
//    kernel calls.
#pragma once

#include <memory>
#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

struct FusedGroup;

// Planned buffers pay where allocation is a real share of an op's cost
// (small tensors: the L2HMC leapfrog's are under 1 KiB). Large values are
// left to the caching allocator, which hands out the block freed last and
// so still in cache: with planned buffers for its activations (1 to 4 MiB)
// a staged ResNet-20 training forward ran 5% slower than eager (39.7
// against 37.4 ms, batch 64, 1 thread), with the allocator as fast.
inline constexpr size_t kPlannedBufferMaxBytes = size_t{1} << 20;

class Executor {
 public:
  // `planned`: allow the planned path; `fuse`: fuse elementwise runs on it
  // (tests turn them off to compare).
  explicit Executor(std::shared_ptr<const Graph> graph, bool planned = true, bool fuse = true);

  // Runs the graph. `args` match graph inputs (dtype and rank are the
  // caller's job: Function checks them); `symbols` are the values of the
  // graph's symbolic dims for this call.
  // Not reentrant: the planned path reuses its buffers on every call.
  std::vector<Tensor> run(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols = {});

  // How many calls took the planned path; bytes in its planned buffers;
  // nodes in fused elementwise runs.
  int64_t planned_calls() const { return planned_calls_; }
  int64_t planned_bytes() const;
  int64_t fused_nodes() const;

  const Graph& graph() const { return *graph_; }
  const std::shared_ptr<const Graph>& graph_ptr() const { return graph_; }
  // The graph's captured values (ids), for per-call checks that would
  // otherwise walk every value.
  const std::vector<int>& captures() const { return captures_; }

 private:
  struct Plan;
  template <typename Read>
  bool run_group(Plan& plan, const FusedGroup& fg, std::vector<Tensor>& slots, const Read& read);
  bool can_plan(const std::vector<Tensor>& args) const;
  // `metas`, if given, receives every node's output shapes and dtypes.
  std::vector<Tensor> run_dispatch(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols,
                                   std::vector<std::vector<TensorMeta>>* metas = nullptr) const;
  std::vector<Tensor> run_planned(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols);
  std::vector<Tensor> make_plan(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols);

  std::shared_ptr<const Graph> graph_;
  bool planned_ = true, fuse_ = true;
  std::vector<std::vector<int>> release_after_;  // per node position: values read for the last time there
  std::vector<int> last_use_;                    // per value: last reading node position (-1: none or output)
  std::vector<bool> buffered_;                   // per value: may live in a planned buffer
  std::vector<int> captures_;                    // values of kind capture
  std::shared_ptr<Plan> plan_;
  int64_t planned_calls_ = 0;
};

namespace detail {
// Gives a random node fresh (seed, offset) attrs from the default generator.
void redraw_random(const Node& n, const Tensor* in, Attrs& a);
}  // namespace detail

}  // namespace tern::graph
