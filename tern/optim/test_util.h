// Helpers shared by the optimiser tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "tern/autograd/engine.h"
#include "tern/base/error.h"
#include "tern/ops/ops.h"
#include "tern/ops/testing.h"
#include "tern/optim/optimizer.h"

namespace tern::optim::testing {

// A leaf parameter of dtype `dt` holding `v` (shape [v.size()] unless given).
inline Tensor make_param(const std::vector<double>& v, DType dt = DType::f64, Shape shape = {}) {
  if (shape.empty()) shape = Shape{static_cast<int64_t>(v.size())};
  Tensor t = Tensor::from_vector(v, shape);
  if (dt != DType::f64) t = cast(t, dt);
  t.set_requires_grad(true);
  return t;
}

inline void set_grad(Tensor& p, const std::vector<double>& g) {
  Tensor t = Tensor::from_vector(g, p.shape());
  p.set_grad(p.dtype() == DType::f64 ? t : cast(t, p.dtype()));
}

inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

using tern::testing::bit_equal;
using tern::testing::error_of;

// A deterministic pseudo-random gradient value for (step, index).
inline double grad_value(int step, int i) {
  return std::sin(1.7 * step + 0.9 * i + 0.3) * (1 + 0.25 * i);
}

}  // namespace tern::optim::testing

namespace tern::optim::testing {

// Runs `steps` steps of `opt` on f(p) = 0.5 * sum(a * (p - c)^2), an
// ill-conditioned quadratic (a from 0.5 to 4), with gradients from autograd.
// Returns f at the end divided by f at the start.
inline double quadratic_ratio(Optimizer& opt, const Tensor& p, int steps) {
  const int64_t n = p.numel();
  std::vector<double> a(n), c(n);
  for (int64_t i = 0; i < n; ++i) {
    a[i] = 0.5 + 3.5 * static_cast<double>(i) / static_cast<double>(std::max<int64_t>(n - 1, 1));
    c[i] = std::cos(1.0 + i);
  }
  const Tensor at = cast(Tensor::from_vector(a, p.shape()), p.dtype());
  const Tensor ct = cast(Tensor::from_vector(c, p.shape()), p.dtype());
  auto loss = [&] { return sum(mul(at, square(sub(p, ct)))) * 0.5; };
  const double start = loss().item();
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    autograd::backward(loss());
    opt.step();
  }
  return loss().item() / start;
}

}  // namespace tern::optim::testing
