// Numeric gradient checker: compares backward() with central finite
// differences. Use f64 inputs; f32 differences are too noisy to judge.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::autograd {

struct GradCheckResult {
  bool ok = true;
  double max_abs_error = 0;
  std::string message;  // names the input and element of the worst mismatch
};

// f maps the inputs to one output tensor. Inputs that require grad are
// perturbed one element at a time. The output is reduced with fixed random
// weights so every output element contributes.
GradCheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                          double eps = 1e-6, double atol = 1e-5, double rtol = 1e-4);

}  // namespace tern::autograd
