// Optimisers by name, for the CLI and trainers: one registry (the idiom of
// tern/base/registry.h) whose factories read their settings as Args, e.g.
// lr=0.1 momentum=0.9, each checked against its range. Settings left out
// take the optimiser's own (PyTorch) default, e.g. lr 1e-3 for Adam and
// 1e-2 for SGD; a setting an optimiser does not take is an error naming it.
//
// The typed OptimizerOptions overload is for C++ callers: it passes each
// field the chosen optimiser takes and ignores the others.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tern/base/registry.h"
#include "tern/optim/optimizer.h"

namespace tern::optim {

using OptimizerRegistry = Registry<std::unique_ptr<Optimizer>(std::vector<ParamRef>)>;

// sgd, adam, adamw, adagrad, rowadagrad (adagrad with row_wise=1), rmsprop,
// yellowfin.
const OptimizerRegistry& optimizer_registry();
std::vector<std::string> optimizer_names();

// Errors name a setting "optimizer argument <key>".
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<ParamRef> params, const Args& args);

struct OptimizerOptions {
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;  // adamw: decoupled, default 1e-2; others: L2, default 0
  std::optional<double> eps = std::nullopt;         // adam(w) 1e-8, adagrad 1e-10, rmsprop 1e-8
  double momentum = 0;                 // sgd, rmsprop
  double dampening = 0;                // sgd
  bool nesterov = false;               // sgd
  double beta1 = 0.9, beta2 = 0.999;   // adam(w)
  bool amsgrad = false;                // adam(w)
  double lr_decay = 0;                 // adagrad
  double initial_accumulator_value = 0;  // adagrad
  bool row_wise = false;               // adagrad: one accumulator per row
  double alpha = 0.99;                 // rmsprop
  bool centered = false;               // rmsprop
};

// The fields of `options` that optimiser `name` takes, as its Args.
Args optimizer_args(const std::string& name, const OptimizerOptions& options);

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<ParamRef> params,
                                          const OptimizerOptions& options = {});

}  // namespace tern::optim
