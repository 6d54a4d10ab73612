// YellowFin: momentum SGD that tunes its own learning rate and momentum every
// step (Zhang & Mitliagkas, "YellowFin and the Art of Momentum Tuning",
// SysML 2019), the open-loop variant. Semantics follow the authors' PyTorch
// implementation (JianGoForIt/YellowFin_Pytorch, tuner_utils/yellowfin.py),
// including its adaptive clipping and optional sparsity debiasing; the
// differences are listed in tern/optim/README.md.
//
// Per step k (0-based), with G = ||g||^2 over all parameters that have a
// gradient (after the pre-statistics clips below), beta the smoothing
// factor, d = 1 - beta^(k+1) the zero-debias factor (1 with zero_debias off),
// eps = 1e-6 and every average starting at 0:
//   curvature  window w = the last curv_win values of G;
//              h_min = exp(avg(log(min w + eps)) / d), h_max likewise with max
//   variance   a = avg(g) per element;  C = max(avg(G) / d - ||a||^2 / d^2, eps)
//   distance   D = avg(avg(||g||) / (avg(G) + eps)) / d
//   (k >= 1)   p = (D + eps)^2 (h_min + eps)^2 / (2 (C + eps)); x = sqrt(mu) solves
//              the SingleStep cubic p x = (1 - x)^3 (yellowfin_cubic below);
//              r = max((h_max + eps) / (h_min + eps), 1 + eps)
//              mu_t = max(x^2, ((sqrt(r) - 1) / (sqrt(r) + 1))^2)
//              lr_t = (1 - sqrt(mu_t))^2 / (h_min + eps), times min(1, (k + 1) / (10 curv_win))
//   (k == 0)   mu_t, lr_t = the initial momentum and lr
//   smoothed   lr_s = beta lr_s + (1 - beta) lr_t, mu_s likewise (from the initial values)
// and the update is SGD with momentum (PyTorch's: b = mu b + g + wd w,
// w -= lr b) with mu = mu_t and lr = lr_t * f (mu_s and lr_s * f with
// `smooth`, the paper's Algorithm 1; the reference applies mu_t and lr_t).
// f = lr() / options().lr: a schedule's set_lr() scales the tuned rate (the
// reference's lr_factor); the initial lr is the first step's rate.
//
// Clipping (each a scale of all gradients by min(1, t / (||g|| + 1e-6)), as
// torch.nn.utils.clip_grad_norm_):
//   before the statistics: to clip_thresh if > 0, else from step 1 to
//     auto_clip_fac sqrt(h_max) if > 0; with adapt_clip, from step 2 also to
//     sqrt(stat_protect_fac h_max) + eps (h_max of the previous step);
//   adapt_clip, after the statistics: lr is capped so that lr ||g|| stays below
//     catastrophic_move_thresh, and from step 1 a gradient with G >= h_max (the
//     previous step's) is clipped to sqrt(h_max) + eps for the update only.
// sparsity_debias multiplies h_min, h_max and C by the averaged fraction of
// non-zero gradient entries and divides D by its square root.
//
// The global view: the statistics need ||g||^2 over all parameters before
// any parameter is updated, so YellowFin overrides Optimizer::begin_step(),
// which step() calls once per step with every checked gradient (see
// optimizer.h); update() then only applies the momentum step. All
// statistics are kept in f64 (the per-element average `grad_avg` too,
// whatever the parameter's dtype); sums over elements are split into fixed
// chunks, so results do not depend on the thread count.
//
// state_dict(): the base entries, per parameter "<param>.grad_avg" (f64) and
// "<param>.momentum", and the tuner as "yellowfin.<field>" (0-d f64 each,
// and "yellowfin.curv_win" of shape [curv_win]).
#pragma once

#include <array>
#include <cstdint>

#include "tern/optim/optimizer.h"

namespace tern::optim {

struct YellowFinOptions {
  double lr = 1e-4;     // the first step's learning rate (the reference's default)
  double momentum = 0;  // the first step's momentum
  double beta = 0.999;
  int64_t curv_win = 20;
  bool zero_debias = true;
  bool sparsity_debias = false;
  bool h_min_log_smooth = true;  // average log(h_min) (else h_min itself)
  bool h_max_log_smooth = true;
  double clip_thresh = 0;    // > 0: clip ||g|| to it before the statistics
  double auto_clip_fac = 0;  // > 0 (and clip_thresh 0): clip ||g|| to auto_clip_fac sqrt(h_max)
  bool adapt_clip = true;
  double stat_protect_fac = 100;
  double catastrophic_move_thresh = 100;
  double weight_decay = 0;  // L2, added to the (clipped) gradient in the update
  bool smooth = false;      // apply lr_s, mu_s instead of lr_t, mu_t
};

// The root of the SingleStep cubic p x = (1 - x)^3 (p >= 0), i.e. x = sqrt(mu)
// minimising x^2 D^2 + (1 - x)^4 C / h_min^2 for p = D^2 h_min^2 / (2 C).
// x is in (0, 1]; z = 1 - x is returned too, each to a few ulps relative
// (no cancellation for any p): z = 2 sqrt(p/3) sinh(asinh(1.5 sqrt(3/p)) / 3)
// is Cardano's formula in hyperbolic form, x = 1 - z for z <= 1/2 and
// x = z^3 / p above. p = 0 gives x = 1, p = inf gives x = 0; NaN or p < 0
// throws ValueError.
struct CubicRoot {
  double x;  // sqrt(mu)
  double z;  // 1 - x
};
CubicRoot yellowfin_cubic(double p);

// What the tuner measured and chose at one step (for tests, logs, replays).
struct YellowFinStep {
  int64_t iter = 0;     // 0-based step of the tuner
  double grad_norm_squared = 0;  // G after the pre-statistics clips
  double clip_scale = 1;         // that clip's factor on the gradients (1: none)
  double h_min = 0, h_max = 0;
  double grad_var = 0, dist_to_opt = 0;
  double mu_t = 0, lr_t = 0;    // tuned (the initial values at step 0)
  double mu_s = 0, lr_s = 0;    // smoothed
  double lr = 0, momentum = 0;  // applied (after the catastrophic-move cap and the factor)
  double update_scale = 1;      // factor on the gradient in the update (both clips)
  bool exploding = false;       // the exploding-gradient clip fired
};

class YellowFin : public Optimizer {
 public:
  YellowFin(std::vector<ParamRef> params, const YellowFinOptions& options = {});
  std::string kind() const override { return "yellowfin"; }
  const YellowFinOptions& options() const { return opt_; }
  // The last step's measurements and choices (zeros before the first step).
  const YellowFinStep& last() const { return last_; }

 protected:
  void begin_step(std::span<const StepGrad> grads) override;
  void update(const Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<std::string> state_keys() const override { return {"grad_avg", "momentum"}; }
  DType buffer_dtype(const Tensor& param, const std::string& key) const override;
  NamedTensors global_state() const override;
  std::function<void()> load_global_state(const TakeEntry& take) override;

 private:
  // The tuner's scalars; the order is the state_dict's.
  enum Field : int {
    kIter, kHMinAvg, kHMaxAvg, kHMin, kHMax, kGradNormSquaredAvg, kGradNormAvg, kDistToOptAvg, kSparsityAvg,
    kLrT, kMuT, kLrS, kMuS, kFields
  };
  static const char* field_name(int f);

  YellowFinOptions opt_;
  std::array<double, kFields> s_{};
  std::vector<double> curv_win_;
  YellowFinStep last_;
};

}  // namespace tern::optim
