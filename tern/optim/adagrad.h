// Adagrad (Duchi, Hazan & Singer, JMLR 2011) with torch.optim.Adagrad
// semantics, and its row-wise variant for embedding tables as used by
// PyTorch-BigGraph (Lerer et al., SysML 2019): one accumulator per row
// (dim 0) instead of per element, which makes the optimiser state a vector
// of length rows instead of a second table. Per parameter, at its step t:
//   g = grad + weight_decay * p
//   clr = lr / (1 + (t - 1) * lr_decay)
//   element-wise: s = s + g * g;                  p = p - clr * g / (sqrt(s) + eps)
//   row-wise:     s[r] = s[r] + mean_j g[r, j]^2;  p[r, j] = p[r, j] - clr * g[r, j] / (sqrt(s[r]) + eps)
// For 0-d and 1-D parameters row-wise equals element-wise (rows of length 1).
#pragma once

#include "tern/optim/optimizer.h"

namespace tern::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
  bool row_wise = false;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<ParamRef> params, const AdagradOptions& options = {});
  std::string kind() const override { return opt_.row_wise ? "rowadagrad" : "adagrad"; }
  const AdagradOptions& options() const { return opt_; }

 protected:
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_keys() const override { return {"sum"}; }
  Shape buffer_shape(const Tensor& param, const std::string& key) const override;

 private:
  AdagradOptions opt_;
};

}  // namespace tern::optim
