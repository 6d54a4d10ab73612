#include "tern/optim/sgd.h"

#include "tern/optim/update_loop.h"

namespace tern::optim {

SGD::SGD(std::vector<ParamRef> params, const SGDOptions& o) : Optimizer(std::move(params), o.lr), opt_(o) {
  check_hyper(o.momentum >= 0, "sgd", "momentum", ">= 0", o.momentum);
  check_hyper(o.dampening >= 0 && o.dampening <= 1, "sgd", "dampening", "in [0, 1]", o.dampening);
  check_hyper(o.weight_decay >= 0, "sgd", "weight_decay", ">= 0", o.weight_decay);
  TERN_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0),
             "sgd: Nesterov momentum needs momentum > 0 and dampening 0, got momentum ", o.momentum,
             " and dampening ", o.dampening);
}

std::vector<std::string> SGD::state_keys() const {
  if (opt_.momentum == 0) return {};
  return {"momentum"};
}

void SGD::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  const int64_t n = param.numel();
  bool first = false;
  Tensor buf = opt_.momentum != 0 ? buffer(param, state, "momentum", 0, &first) : Tensor();
  detail::float_switch(param.dtype(), "sgd", [&]<typename T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* b = buf.defined() ? buf.data<T>() : nullptr;
    const T lr_t = static_cast<T>(lr()), wd = static_cast<T>(opt_.weight_decay);
    const T mu = static_cast<T>(opt_.momentum), keep = static_cast<T>(1 - opt_.dampening);
    if (!b) {
      detail::parallel_range(n, [&](int64_t lo, int64_t hi) {
#pragma omp simd
        for (int64_t i = lo; i < hi; ++i) p[i] -= lr_t * (g[i] + wd * p[i]);
      });
      return;
    }
    detail::bool_switch(first, [&](auto first_c) {
      detail::bool_switch(opt_.nesterov, [&](auto nesterov_c) {
        detail::parallel_range(n, [&](int64_t lo, int64_t hi) {
#pragma omp simd
          for (int64_t i = lo; i < hi; ++i) {
            const T d = g[i] + wd * p[i];
            T m;
            // PyTorch starts the buffer at the first gradient, undampened.
            if constexpr (detail::flag_v<decltype(first_c)>) m = d;
            else m = mu * b[i] + keep * d;
            b[i] = m;
            if constexpr (detail::flag_v<decltype(nesterov_c)>) p[i] -= lr_t * (d + mu * m);
            else p[i] -= lr_t * m;
          }
        });
      });
    });
  });
}

}  // namespace tern::optim
