// The backward engine, and the recorder it installs into dispatch() (tern/ops/dispatch.h).
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
// The same for one root: a scalar loss unless `grad` is given.
void backward(const Tensor& root, const Tensor& grad = {});

// Gradients of `output` w.r.t. `inputs`, returned instead of accumulated
// (inputs' .grad is left untouched).
std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, const Tensor& grad_output = Tensor());

// Hooks the tape recorder into dispatch() (set_autograd_recorder). Runs by
// itself before main() in every program that links engine.cc; calling it
// again does nothing.
void install();

}  // namespace tern::autograd
