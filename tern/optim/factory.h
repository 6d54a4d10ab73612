// Builds an optimiser by name, for the CLI and trainers. Options left unset
// take the optimiser's own (PyTorch) default, e.g. lr 1e-3 for Adam and 1e-2
// for SGD; fields an optimiser does not use are ignored.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tern/optim/optimizer.h"

namespace tern::optim {

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

// The names make_optimizer accepts: sgd, adam, adamw, adagrad, rowadagrad, rmsprop.
const std::vector<std::string>& optimizer_names();

// Throws tern::ValueError listing the valid names for an unknown `name`.
// "rowadagrad" is adagrad with row_wise = true.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<ParamRef> params,
                                          const OptimizerOptions& options = {});

}  // namespace tern::optim
