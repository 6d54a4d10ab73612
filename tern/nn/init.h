// Parameter initialisers (PyTorch's defaults, so training curves compare).
#pragma once

#include "tern/core/tensor.h"

namespace tern::nn::init {

// Fills in place.
void uniform_(Tensor& t, double lo, double hi);
void normal_(Tensor& t, double mean, double std);
void constant_(Tensor& t, double value);
// fan_in / fan_out of a [out, in, k...] weight.
int64_t fan_in(const Tensor& w);
int64_t fan_out(const Tensor& w);
// PyTorch's default for Linear/Conv weights: kaiming_uniform with a = sqrt(5),
// i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
void default_weight_(Tensor& w);
void default_bias_(Tensor& b, int64_t fan_in);
// He initialisation for ReLU nets, normal with std = sqrt(2 / fan).
void kaiming_normal_(Tensor& w, bool use_fan_out = true);
void xavier_uniform_(Tensor& w);

}  // namespace tern::nn::init
