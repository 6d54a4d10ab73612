// The backward engine. Tensor::backward() calls backward({t}, {grad}).
#pragma once

#include <vector>

#include "tern/core/tensor.h"

namespace tern::autograd {

// Computes gradients of `roots` (weighted by `grads`; an undefined grad means
// ones, allowed only for single-element roots) and accumulates them into the
// .grad of every leaf that requires grad. Leaf hooks fire as soon as that
// leaf's gradient is complete. Saved tensors are freed as nodes finish, so a
// graph can be backpropagated once.
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads = {});

// Gradients of `output` w.r.t. `inputs`, returned instead of accumulated
// (inputs' .grad is left untouched).
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, const Tensor& grad_output = Tensor());

}  // namespace tern::autograd
