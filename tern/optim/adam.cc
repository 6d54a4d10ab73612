#include "tern/optim/adam.h"

#include <algorithm>
#include <cmath>

#include "tern/optim/update_loop.h"

namespace tern::optim {

namespace {

template <typename T>
struct AdamScalars {
  T w1, w1c, b2, w2, eps, step_size, bc2s, wd, shrink;
};

// The fused update of elements [lo, hi). A plain function of plain pointers:
// GCC vectorises the AMSGrad variant here but not inside nested lambdas.
template <typename T, bool kSmallWeight, bool kAmsgrad>
void adam_loop(T* p, const T* g, T* m, T* v, T* vmax, int64_t lo, int64_t hi, const AdamScalars<T> k) {
#pragma omp simd
  for (int64_t i = lo; i < hi; ++i) {
    const T pi = p[i] * k.shrink;
    const T gi = g[i] + k.wd * pi;
    T mi;
    if constexpr (kSmallWeight) mi = m[i] + k.w1 * (gi - m[i]);
    else mi = gi - (gi - m[i]) * k.w1c;
    T vi = k.b2 * v[i] + k.w2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    if constexpr (kAmsgrad) {
      const T vm = vmax[i];  // a value, not std::max's reference: keeps the loop branch-free
      vi = vm < vi ? vi : vm;
      vmax[i] = vi;
    }
    p[i] = pi - k.step_size * mi / (std::sqrt(vi) / k.bc2s + k.eps);
  }
}

}  // namespace

Adam::Adam(std::vector<ParamRef> params, const AdamOptions& o) : Adam(std::move(params), o, false) {}

Adam::Adam(std::vector<ParamRef> params, const AdamOptions& o, bool decoupled)
    : Optimizer(std::move(params), o.lr), opt_(o), decoupled_(decoupled) {
  const char* who = decoupled ? "adamw" : "adam";
  check_hyper(o.beta1 >= 0 && o.beta1 < 1, who, "beta1", "in [0, 1)", o.beta1);
  check_hyper(o.beta2 >= 0 && o.beta2 < 1, who, "beta2", "in [0, 1)", o.beta2);
  check_hyper(o.eps >= 0, who, "eps", ">= 0", o.eps);
  check_hyper(o.weight_decay >= 0, who, "weight_decay", ">= 0", o.weight_decay);
}

std::vector<std::string> Adam::state_keys() const {
  if (opt_.amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void Adam::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  const int64_t n = param.numel();
  const double t = static_cast<double>(state.step);
  // Scalars in double, as PyTorch computes them in Python, then rounded once.
  const double bc1 = 1 - std::pow(opt_.beta1, t);
  const double bc2_sqrt = std::sqrt(1 - std::pow(opt_.beta2, t));
  Tensor m_buf = buffer(param, state, "exp_avg");
  Tensor v_buf = buffer(param, state, "exp_avg_sq");
  Tensor vmax_buf = opt_.amsgrad ? buffer(param, state, "max_exp_avg_sq") : Tensor();
  detail::float_switch(param.dtype(), kind().c_str(), [&]<typename T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* m = m_buf.data<T>();
    T* v = v_buf.data<T>();
    T* vmax = vmax_buf.defined() ? vmax_buf.data<T>() : nullptr;
    const T w1 = static_cast<T>(1 - opt_.beta1), w1c = T(1) - w1, b2 = static_cast<T>(opt_.beta2),
            w2 = static_cast<T>(1 - opt_.beta2), eps = static_cast<T>(opt_.eps);
    const T step_size = static_cast<T>(lr() / bc1), bc2s = static_cast<T>(bc2_sqrt);
    // Coupled decay adds wd * p to the gradient; decoupled decay scales p first.
    const T wd = static_cast<T>(decoupled_ ? 0 : opt_.weight_decay);
    const T shrink = static_cast<T>(decoupled_ ? 1 - lr() * opt_.weight_decay : 1);
    const AdamScalars<T> k{w1, w1c, b2, w2, eps, step_size, bc2s, wd, shrink};
    detail::bool_switch(w1 < T(0.5), [&](auto small_c) {  // which of PyTorch's two lerp formulas
      detail::bool_switch(vmax != nullptr, [&](auto ams_c) {
        detail::parallel_range(n, [&](int64_t lo, int64_t hi) {
          adam_loop<T, detail::flag_v<decltype(small_c)>, detail::flag_v<decltype(ams_c)>>(p, g, m, v, vmax, lo, hi, k);
        });
      });
    });
  });
}

}  // namespace tern::optim
