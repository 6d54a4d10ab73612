// tern::graph::function(f): TensorFlow Eager's staged function.
//
//   auto f = graph::function([&](const std::vector<Tensor>& a) { return std::vector<Tensor>{model(a[0])}; });
//   auto y = f({x});   // first call with this (dtype, shape): traced (runs eagerly)
//   auto z = f({x2});  // same signature: replays the cached graph
//
// Each call with a new signature -- (dtype, shape) of every argument -- is
// traced once and its graph cached; later calls replay it through the
// executor. Tensors the function reads but did not get as arguments
// (parameters, buffers) are captured by reference, so in-place updates (an
// optimiser step, batch-norm running statistics) are seen by later calls.
//
// An explicit signature makes one graph serve many sizes: a dim written -k
// (k >= 1) is symbolic dim k; every argument dim written -k must have the
// same size in a call. E.g. {{f32, {-1, 784}}, {i64, {-1}}}: any batch size.
// Calls that violate the signature throw ValueError naming the argument and
// both shapes. If the function's ops depend on a symbolic size in a way an
// affine attribute cannot express, it warns once and falls back to one graph
// per concrete signature.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tern/graph/executor.h"
#include "tern/graph/passes/pass.h"
#include "tern/graph/staged_backward.h"
#include "tern/graph/tracer.h"

namespace tern::graph {

struct ArgSpec {
  DType dtype = DType::f32;
  Shape shape;  // >= 0: fixed size; -k: symbolic dim k
};

struct FunctionOptions {
  std::string name = "function";  // used in messages
  bool optimize = true;           // run the pass manager on each new graph
  int retrace_warning = 5;        // warn (once) after this many traces
  // A call that autograd must see (an argument or capture needs gradients)
  // runs the forward graph off the tape and records one node whose gradient
  // is a staged backward graph (staged_backward.h; with symbolic dims, one
  // for all sizes). Off: every op of the call is recorded on the tape, as
  // eager. Graphs the staged backward cannot take always record op by op.
  bool stage_backward = true;
};

class Function {
 public:
  Function(StagedFn fn, std::optional<std::vector<ArgSpec>> signature = std::nullopt, FunctionOptions options = {});

  std::vector<Tensor> operator()(const std::vector<Tensor>& args);

  // How many times the function was traced for a new signature (probe traces
  // for symbolic dims are counted apart).
  int64_t trace_count() const { return traces_; }
  int64_t probe_count() const { return probes_; }
  // Graphs cached (a symbolic graph counts once).
  size_t cache_size() const { return cache_.size() + (symbolic_ ? 1 : 0); }
  // The graph the last call ran (or traced); nullptr before the first call.
  std::shared_ptr<const Graph> last_graph() const { return last_; }
  // The passes run on each new graph (the default pipeline unless changed).
  passes::PassManager& passes() { return passes_; }
  // True once the signature's symbolic dims have been shown to need per-size graphs.
  bool polymorphism_failed() const { return poly_failed_; }
  // The staged backward the last call recorded on the tape (its forward and
  // backward graphs), or nullptr if that call was recorded op by op or not at all.
  const StagedBackward* last_backward() const { return last_backward_; }

 private:
  std::vector<int64_t> check_signature(const std::vector<Tensor>& args) const;
  std::shared_ptr<Graph> finish(Graph graph);
  std::vector<Tensor> trace_new(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols);
  void count_trace();
  // The staged backward for this call, built on first use; nullptr if the
  // call needs no tape or its graph cannot be differentiated as a whole.
  StagedBackward* staged_backward(const std::string& key, const Executor& ex, const std::vector<Tensor>& args,
                                  const std::vector<int64_t>& symbols);

  StagedFn fn_;
  std::optional<std::vector<ArgSpec>> signature_;
  int num_symbols_ = 0;
  FunctionOptions options_;
  passes::PassManager passes_;
  std::map<std::string, std::unique_ptr<Executor>> cache_;  // by concrete signature
  std::unique_ptr<Executor> symbolic_;
  std::shared_ptr<const Graph> last_;
  // By signature key and which arguments and captures need gradients.
  std::map<std::string, std::unique_ptr<StagedBackward>> backward_;
  StagedBackward* last_backward_ = nullptr;
  int64_t traces_ = 0, probes_ = 0;
  bool warned_ = false, poly_failed_ = false;
};

Function function(StagedFn fn, FunctionOptions options = {});
Function function(StagedFn fn, std::vector<ArgSpec> signature, FunctionOptions options = {});

// "f32[2, 3]" per argument, joined: the cache key of a concrete signature.
std::string signature_key(const std::vector<Tensor>& args);

}  // namespace tern::graph
