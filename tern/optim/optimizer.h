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
// for a parameter once it has been updated.
#pragma once

#include <cstdint>
#include <map>
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

  // Updates one parameter; `grad` is contiguous, with the parameter's shape
  // and dtype, and state.step has already been incremented.
  virtual void update(const Tensor& param, const Tensor& grad, ParamState& state) = 0;
  // The buffer keys this configuration keeps for every updated parameter.
  virtual std::vector<std::string> state_keys() const = 0;
  // The shape of buffer `key` for `param` (default: the parameter's shape).
  virtual Shape buffer_shape(const Tensor& param, const std::string& key) const { return param.shape(); }

  // The buffer `key` of `state`, created filled with `init` (shape from
  // buffer_shape, dtype of the parameter) if missing. `created` tells which.
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
