#include "tern/optim/adagrad.h"

#include <algorithm>
#include <cmath>

#include "tern/optim/update_loop.h"

namespace tern::optim {

Adagrad::Adagrad(std::vector<ParamRef> params, const AdagradOptions& o)
    : Optimizer(std::move(params), o.lr), opt_(o) {
  const std::string name = kind();
  const char* who = name.c_str();
  check_hyper(o.lr_decay >= 0, who, "lr_decay", ">= 0", o.lr_decay);
  check_hyper(o.weight_decay >= 0, who, "weight_decay", ">= 0", o.weight_decay);
  check_hyper(o.initial_accumulator_value >= 0, who, "initial_accumulator_value", ">= 0",
              o.initial_accumulator_value);
  check_hyper(o.eps >= 0, who, "eps", ">= 0", o.eps);
}

Shape Adagrad::buffer_shape(const Tensor& param, const std::string&) const {
  if (!opt_.row_wise || param.dim() <= 1) return param.shape();
  return Shape{param.size(0)};
}

void Adagrad::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  const int64_t n = param.numel();
  const double clr_d = lr() / (1 + static_cast<double>(state.step - 1) * opt_.lr_decay);
  Tensor sum_buf = buffer(param, state, "sum", opt_.initial_accumulator_value);
  const int64_t rows = sum_buf.numel();
  const int64_t cols = rows > 0 ? n / rows : 0;
  detail::float_switch(param.dtype(), kind().c_str(), [&]<typename T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* s = sum_buf.data<T>();
    const T clr = static_cast<T>(clr_d), wd = static_cast<T>(opt_.weight_decay), eps = static_cast<T>(opt_.eps);
    if (cols == 1) {
      detail::parallel_range(n, [&](int64_t lo, int64_t hi) {
#pragma omp simd
        for (int64_t i = lo; i < hi; ++i) {
          const T gi = g[i] + wd * p[i];
          const T si = s[i] + gi * gi;
          s[i] = si;
          p[i] -= clr * gi / (std::sqrt(si) + eps);
        }
      });
      return;
    }
    // Row-wise: split by rows so each row's mean is computed by one thread,
    // in a fixed order (results do not depend on the thread count).
    const T inv_cols = T(1) / static_cast<T>(cols);
    const int64_t row_grain = std::max<int64_t>(1, detail::kGrain / cols);
    parallel_for(rows, n < 2 * detail::kGrain ? rows : row_grain, [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        T* pr = p + r * cols;
        const T* gr = g + r * cols;
        T sq = 0;
#pragma omp simd reduction(+ : sq)
        for (int64_t j = 0; j < cols; ++j) {
          const T gj = gr[j] + wd * pr[j];
          sq += gj * gj;
        }
        const T sr = s[r] + sq * inv_cols;
        s[r] = sr;
        const T scale = clr / (std::sqrt(sr) + eps);
#pragma omp simd
        for (int64_t j = 0; j < cols; ++j) pr[j] -= scale * (gr[j] + wd * pr[j]);
      }
    });
  });
}

}  // namespace tern::optim
