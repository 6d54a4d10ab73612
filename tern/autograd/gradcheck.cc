#include "tern/autograd/gradcheck.h"

#include <cmath>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace tern::autograd {

namespace {

double weighted_sum(const Tensor& out, const Tensor& weights) {
  double s = 0;
  for (int64_t i = 0; i < out.numel(); ++i) s += out.item_at(i) * weights.item_at(i);
  return s;
}

void poke(const Tensor& t, int64_t i, double delta) {
  if (t.dtype() == DType::f64) t.data<double>()[i] += delta;
  else t.data<float>()[i] += static_cast<float>(delta);
}

}  // namespace

GradCheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f, const std::vector<Tensor>& inputs,
                          double eps, double atol, double rtol) {
  GradCheckResult result;
  for (const Tensor& in : inputs)
    TERN_CHECK(!in.requires_grad() || in.is_contiguous(), "gradcheck: inputs that require grad must be contiguous");
  Tensor out = f(inputs);
  Generator gen(1234);
  const Tensor weights = rand(out.shape(), gen, DType::f64);
  Tensor w = cast(weights, out.dtype());
  std::vector<Tensor> wrt;
  for (const Tensor& in : inputs)
    if (in.requires_grad()) wrt.push_back(in);
  if (wrt.empty()) return result;
  const std::vector<Tensor> analytic = grad(out, wrt, w);

  NoGradGuard no_grad;
  for (size_t k = 0; k < wrt.size(); ++k) {
    const Tensor& x = wrt[k];
    for (int64_t i = 0; i < x.numel(); ++i) {
      poke(x, i, eps);
      const double plus = weighted_sum(f(inputs), weights);
      poke(x, i, -2 * eps);
      const double minus = weighted_sum(f(inputs), weights);
      poke(x, i, eps);
      const double numeric = (plus - minus) / (2 * eps);
      const double a = analytic[k].item_at(i);
      const double err = std::abs(a - numeric);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (err > atol + rtol * std::abs(numeric) && result.ok) {
        result.ok = false;
        result.message = str_cat("input ", k, " element ", i, ": analytic ", a, " vs numeric ", numeric);
      }
    }
  }
  return result;
}

}  // namespace tern::autograd
