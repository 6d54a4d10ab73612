// Optimizer: the base of every optimiser in tern::optim. It knows nothing of
// tern/nn: it is handed named leaf tensors (ParamRef) and, on step(), reads
// each one's accumulated gradient (param.grad()) and updates the parameter's
// storage in place. Subclasses write one fused loop per parameter (see
// update_loop.h); the base owns parameter bookkeeping, per-parameter state
// buffers and the state_dict format.
//
// state_dict() format (every entry is a tensor, so a checkpoint can store it):
//   "lr"               0-d f64: the current learning rate
//   "step"             0-d i64: how many times step() ran
//   "<param>.step"     0-d i64: updates applied to that parameter (only for
//                      parameters that were updated at least once)
//   "<param>.<key>"    a buffer shaped like the parameter (or, for row-wise
//                      Adagrad, [rows]), e.g. "fc1.weight.momentum"
// The keys an optimiser keeps are listed by state_keys(); all of them exist
// for a parameter once it has been updated. An optimiser with state of its
// own beyond "lr" and "step" (YellowFin's tuner) adds it through
// global_state() / load_global_state(), under names no parameter entry takes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::optim {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// One parameter: a leaf f32/f64 tensor, contiguous, updated in place. Its
// gradient is param.grad(); an undefined gradient means "skip this step".
struct ParamRef {
  std::string name;
  Tensor param;
};

class Optimizer {
 public:
  // Checks every parameter (defined, leaf, contiguous, f32/f64, CPU, unique
  // non-empty name); throws tern::ValueError/TypeError naming the offender.
  Optimizer(std::vector<ParamRef> params, double lr);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Applies one update to every parameter whose gradient is defined.
  void step();
  // Drops every parameter's gradient (param.zero_grad()).
  void zero_grad();

  double lr() const { return lr_; }
  void set_lr(double lr);
  // Number of completed step() calls.
  int64_t steps() const { return steps_; }
  // "sgd", "adam", ... (the factory's name; stored in checkpoints).
  virtual std::string kind() const = 0;
  const std::vector<ParamRef>& params() const { return params_; }

  NamedTensors state_dict() const;
  // Replaces the whole state with `state` (as produced by state_dict() of an
  // optimiser of the same kind and configuration over the same parameters).
  // Validates everything first: on error nothing changes and the message
  // names the entry and what was expected.
  void load_state_dict(const NamedTensors& state);

 protected:
  // Per-parameter state: buffers created on the parameter's first update.
  struct ParamState {
    int64_t step = 0;
    std::map<std::string, Tensor> buffers;
  };

  // One gradient of the step under way, as begin_step() sees it.
  struct StepGrad {
    const ParamRef& ref;
    const Tensor& grad;  // contiguous, the parameter's shape and dtype
    ParamState& state;   // state.step not yet incremented
  };
  // Called by step() once per step, after every gradient has been checked and
  // before the first update(), with all parameters that have a gradient: the
  // one place an optimiser sees the whole step. YellowFin measures ||g||^2
  // over all parameters here and tunes the learning rate and momentum that
  // this step's update() calls use. Not called when no parameter has a
  // gradient. If it throws, step() stops there: no parameter and no step
  // count has changed. Default: nothing.
  virtual void begin_step(std::span<const StepGrad> grads) {}

  // Updates one parameter; `grad` is contiguous, with the parameter's shape
  // and dtype, and state.step has already been incremented.
  virtual void update(const Tensor& param, const Tensor& grad, ParamState& state) = 0;
  // The buffer keys this configuration keeps for every updated parameter.
  virtual std::vector<std::string> state_keys() const = 0;
  // The shape of buffer `key` for `param` (default: the parameter's shape).
  virtual Shape buffer_shape(const Tensor& param, const std::string& key) const { return param.shape(); }
  // The dtype of buffer `key` for `param` (default: the parameter's).
  virtual DType buffer_dtype(const Tensor& param, const std::string& key) const { return param.dtype(); }

  // Optimiser-wide entries written after "lr" and "step" (default: none).
  virtual NamedTensors global_state() const { return {}; }
  // Takes an entry of the state being loaded by name (nullptr if absent);
  // entries never taken are reported as unexpected.
  using TakeEntry = std::function<const Tensor*(const std::string& key)>;
  // Reads and checks the entries global_state() writes (throwing on any
  // problem, changing nothing) and returns what installs them; called by
  // load_state_dict() before anything changes, the result only once every
  // other entry has been checked too.
  virtual std::function<void()> load_global_state(const TakeEntry& take) { return [] {}; }

  // The buffer `key` of `state`, created filled with `init` (shape from
  // buffer_shape, dtype from buffer_dtype) if missing. `created` tells which.
  Tensor& buffer(const Tensor& param, ParamState& state, const std::string& key, double init = 0,
                 bool* created = nullptr);

 private:
  std::vector<ParamRef> params_;
  std::vector<ParamState> states_;
  double lr_;
  int64_t steps_ = 0;
};

// Checks that a hyper-parameter lies in a range; the message names the
// optimiser and the parameter, e.g. "adam: beta1 must be in [0, 1), got 1.2".
void check_hyper(bool ok, const char* optimizer, const char* what, const char* expected, double value);

}  // namespace tern::optim
