// Adam (Kingma & Ba, ICLR 2015) and AdamW (decoupled weight decay,
// Loshchilov & Hutter, ICLR 2019), with torch.optim.Adam/AdamW semantics,
// including AMSGrad (Reddi et al., ICLR 2018). Per parameter, at its step t:
//   Adam:  g = grad + weight_decay * p        AdamW: p = p * (1 - lr * weight_decay)
//   m = m + (1 - beta1) * (g - m)             (PyTorch's lerp)
//   v = beta2 * v + (1 - beta2) * g * g
//   vmax = max(vmax, v)                       (AMSGrad only; then v := vmax below)
//   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
#pragma once

#include "tern/optim/optimizer.h"

namespace tern::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // AdamW's PyTorch default is 1e-2 (AdamW::defaults())
  bool amsgrad = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<ParamRef> params, const AdamOptions& options = {});
  std::string kind() const override { return decoupled_ ? "adamw" : "adam"; }
  const AdamOptions& options() const { return opt_; }

 protected:
  Adam(std::vector<ParamRef> params, const AdamOptions& options, bool decoupled);
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_keys() const override;

 private:
  AdamOptions opt_;
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  static AdamOptions defaults() {
    AdamOptions o;
    o.weight_decay = 1e-2;
    return o;
  }
  AdamW(std::vector<ParamRef> params, const AdamOptions& options = defaults())
      : Adam(std::move(params), options, true) {}
};

}  // namespace tern::optim
