// Stochastic gradient descent with momentum, dampening, Nesterov momentum and
// L2 weight decay, with PyTorch's torch.optim.SGD semantics:
//   g = grad + weight_decay * p
//   buf = g on the first update, else momentum * buf + (1 - dampening) * g
//   d = nesterov ? g + momentum * buf : buf        (d = g if momentum == 0)
//   p = p - lr * d
// Nesterov momentum as in Sutskever et al., ICML 2013.
#pragma once

#include "tern/optim/optimizer.h"

namespace tern::optim {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamRef> params, const SGDOptions& options = {});
  std::string kind() const override { return "sgd"; }
  const SGDOptions& options() const { return opt_; }

 protected:
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_keys() const override;

 private:
  SGDOptions opt_;
};

}  // namespace tern::optim
