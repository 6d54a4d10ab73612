// RMSProp (Tieleman & Hinton, 2012 lecture 6.5; centered form from Graves,
// 2013) with torch.optim.RMSprop semantics. Per parameter:
//   g = grad + weight_decay * p
//   v = alpha * v + (1 - alpha) * g * g
//   centered: a = a + (1 - alpha) * (g - a) (PyTorch's lerp); d = sqrt(v - a * a) + eps
//   else:     d = sqrt(v) + eps
//   momentum > 0: b = momentum * b + g / d;  p = p - lr * b
//   else:         p = p - lr * g / d
#pragma once

#include "tern/optim/optimizer.h"

namespace tern::optim {

struct RMSPropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSProp : public Optimizer {
 public:
  RMSProp(std::vector<ParamRef> params, const RMSPropOptions& options = {});
  std::string kind() const override { return "rmsprop"; }
  const RMSPropOptions& options() const { return opt_; }

 protected:
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_keys() const override;

 private:
  RMSPropOptions opt_;
};

}  // namespace tern::optim
