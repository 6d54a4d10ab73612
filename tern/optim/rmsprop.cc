#include "tern/optim/rmsprop.h"

#include <cmath>

#include "tern/optim/update_loop.h"

namespace tern::optim {

RMSProp::RMSProp(std::vector<ParamRef> params, const RMSPropOptions& o)
    : Optimizer(std::move(params), o.lr), opt_(o) {
  check_hyper(o.alpha >= 0 && o.alpha <= 1, "rmsprop", "alpha", "in [0, 1]", o.alpha);
  check_hyper(o.eps >= 0, "rmsprop", "eps", ">= 0", o.eps);
  check_hyper(o.weight_decay >= 0, "rmsprop", "weight_decay", ">= 0", o.weight_decay);
  check_hyper(o.momentum >= 0, "rmsprop", "momentum", ">= 0", o.momentum);
}

std::vector<std::string> RMSProp::state_keys() const {
  std::vector<std::string> keys = {"square_avg"};
  if (opt_.momentum > 0) keys.push_back("momentum");
  if (opt_.centered) keys.push_back("grad_avg");
  return keys;
}

void RMSProp::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  const int64_t n = param.numel();
  Tensor v_buf = buffer(param, state, "square_avg");
  Tensor b_buf = opt_.momentum > 0 ? buffer(param, state, "momentum") : Tensor();
  Tensor a_buf = opt_.centered ? buffer(param, state, "grad_avg") : Tensor();
  detail::float_switch(param.dtype(), "rmsprop", [&]<typename T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* v = v_buf.data<T>();
    T* b = b_buf.defined() ? b_buf.data<T>() : nullptr;
    T* a = a_buf.defined() ? a_buf.data<T>() : nullptr;
    const T alpha = static_cast<T>(opt_.alpha), w = static_cast<T>(1 - opt_.alpha), wc = T(1) - w;
    const T eps = static_cast<T>(opt_.eps), wd = static_cast<T>(opt_.weight_decay);
    const T lr_t = static_cast<T>(lr()), mu = static_cast<T>(opt_.momentum);
    detail::bool_switch(w < T(0.5), [&](auto small_c) {  // which of PyTorch's two lerp formulas
      detail::bool_switch(a != nullptr, [&](auto centered_c) {
        detail::bool_switch(b != nullptr, [&](auto momentum_c) {
          detail::parallel_range(n, [&](int64_t lo, int64_t hi) {
#pragma omp simd
            for (int64_t i = lo; i < hi; ++i) {
              const T gi = g[i] + wd * p[i];
              const T vi = alpha * v[i] + w * gi * gi;
              v[i] = vi;
              T d;
              if constexpr (detail::flag_v<decltype(centered_c)>) {
                T ai;
                if constexpr (detail::flag_v<decltype(small_c)>) ai = a[i] + w * (gi - a[i]);
                else ai = gi - (gi - a[i]) * wc;
                a[i] = ai;
                d = std::sqrt(vi + -ai * ai) + eps;
              } else {
                d = std::sqrt(vi) + eps;
              }
              if constexpr (detail::flag_v<decltype(momentum_c)>) {
                const T bi = mu * b[i] + gi / d;
                b[i] = bi;
                p[i] -= lr_t * bi;
              } else {
                p[i] -= lr_t * gi / d;
              }
            }
          });
        });
      });
    });
  });
}

}  // namespace tern::optim
