// The gradient of a staged call, staged too (TensorFlow Eager: a function
// call is one op on the tape; its forward graph also returns what backward
// needs, and its backward is a graph of its own).
//
// Built once per forward graph and set of arguments that need gradients:
// the forward graph is replayed through dispatch() under a trace while
// autograd::grad takes the gradients of its outputs (weighted by gradient
// inputs) w.r.t. those arguments and the captured parameters. The trace is
// cut where the gradient starts:
//   forward graph  F(args)                 -> outputs ++ saved
//   backward graph B(output grads ++ saved) -> gradients
// where `saved` are the forward values the gradient ops read. A call runs F
// without the tape (on the executor's planned path) and records ONE node on
// the tape; backward() through it runs B (planned path too).
#pragma once

#include <memory>
#include <vector>

#include "tern/graph/executor.h"
#include "tern/graph/passes/pass.h"
#include "tern/graph/tracer.h"

namespace tern::graph {

class StagedBackward {
 public:
  // `args` is a call of `forward` with `symbols` the values of its symbolic
  // dims (which arguments need gradients decides the wrt set). A graph with
  // symbolic dims gets symbolic forward and backward graphs the way
  // Function makes its own: traced again at s + e_j and s + 2 e_j, integer
  // attributes made affine. Throws tern::Error if the graph cannot be
  // differentiated this way (an output that is an argument, a captured
  // non-leaf that needs gradients, an op without a gradient, a gradient
  // whose structure depends on the sizes); the caller then records op by op.
  StagedBackward(const Graph& forward, const std::vector<Tensor>& args, const std::vector<int64_t>& symbols,
                 passes::PassManager& passes);
  ~StagedBackward();
  StagedBackward(const StagedBackward&) = delete;
  StagedBackward& operator=(const StagedBackward&) = delete;

  // Runs F and records one tape node for the whole call.
  std::vector<Tensor> call(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols = {});

  const Graph& forward_graph() const { return forward_->graph(); }
  const Graph& backward_graph() const { return backward_->graph(); }
  int64_t backward_calls() const { return backward_calls_; }

  // The tape node's gradient: runs B (called by the autograd engine).
  void run_backward(const Tensor* saved, const Tensor* gout, int nout, const bool* needs, Tensor* gin,
                    const std::vector<int64_t>& symbols, const std::vector<Shape>& gout_shapes);

 private:
  // Sets the outputs that take gradients and the wrt set (arguments and
  // captured leaves that need gradients).
  void choose_wrt(const Graph& g, const std::vector<Tensor>& args);
  Trace trace_gradient(const Graph& g, const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) const;
  // The trace with symbolic dims: probes at grown sizes, then make_symbolic.
  Trace trace_symbolic_gradient(const Graph& g, const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) const;

  int64_t id_ = 0;                        // key of this object in the gradient function's registry
  std::vector<int> wrt_args_;             // argument positions that get gradients
  std::vector<Tensor> wrt_captures_;      // captured leaves (parameters) that get gradients
  std::vector<int> grad_outputs_;        // outputs that take a gradient (B's first inputs)
  std::vector<DType> out_dtype_;
  size_t num_outputs_ = 0;
  std::unique_ptr<Executor> forward_, backward_;
  int64_t backward_calls_ = 0;
};

// True if a tensor takes part in autograd (a leaf requiring grad or an op's output).
bool needs_grad(const Tensor& t);

}  // namespace tern::graph
