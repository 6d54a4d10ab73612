// The eager-vs-staged benchmark behind `tern bench staged`: one workload's
// time per call run eagerly and through graph::function, measured side by
// side in one run (calls alternate, so load changes hit both).
//
// Workloads: "l2hmc" (the TensorFlow Eager paper's small-op case: an
// L2HMC-style leapfrog, Levy et al., ICLR 2018, about 200 tiny ops per
// call), "mlp" (batch 32) and "resnet20" (batch 64) training steps or
// inference.
#pragma once

#include <string>

namespace tern::graph {

struct StagedBenchOptions {
  std::string workload = "l2hmc";  // l2hmc | mlp | resnet20
  int calls = 0;                   // timed calls of each; 0: the workload's default
  int threads = 0;                 // 0: all cores
  bool inference = false;          // mlp/resnet20: forward only, eval mode, no gradients
  bool staged_backward = false;    // mlp/resnet20: the function returns autograd::grad (backward staged too)
  bool tape_backward = false;      // record the staged call op by op on the tape
  bool cpu_time = false;           // time by the thread's CPU time (needs threads == 1)
};

struct StagedBenchResult {
  std::string description;
  int threads = 0;
  int calls = 0;
  size_t graph_nodes = 0;
  double eager_ms = 0, staged_ms = 0;  // medians per call
  double speedup() const { return eager_ms / staged_ms; }
};

StagedBenchResult bench_staged(const StagedBenchOptions& options);

}  // namespace tern::graph
