// Byzantine workers for experiments with the robust aggregation rules: the
// last K worker ranks of a `--dist ps` job push a forged gradient instead of
// their own (they are real ranks of the job, training on their own shard).
//
//   nan        every value NaN
//   random     Gaussian noise, N(0, sigma^2) (sigma=1)
//   signflip   -g
//   scale      g * scale (scale=-100... any factor; default 100)
//   alie       "A little is enough" (Baruch et al., NeurIPS 2019):
//              mu - z sigma per coordinate, z from n and K (or z=...)
//   ipm        inner-product manipulation (Xie et al., UAI 2019): -eps mu (eps=0.1)
//   labelflip  trains on label C-1-y instead of y and pushes that gradient
//
// ALIE and IPM are omniscient: they need the mean (and ALIE the standard
// deviation) of the honest gradients of the round. Here every worker (honest
// ones included) joins two all-reduces over the workers of its true gradient
// and its square; the attackers read mean and std off them. That makes the
// adversary's knowledge explicit and costs the honest workers two
// all-reduces per step, only in runs with these attacks. The sums include
// the attackers' own true gradients (same distribution as the honest ones).
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tern/base/args.h"

namespace tern::distributed::ps {

struct AttackOptions {
  int byzantine = 0;        // attacker ranks: the last ones among the workers
  std::string attack;       // empty: none
  Args args = Args("attack argument ");
};

// The names --attack takes.
const std::vector<std::string>& attack_names();

class Attack {
 public:
  // Throws ValueError (one line) for an unknown attack or argument.
  Attack(const std::string& name, const Args& args, int workers, int byzantine);
  const std::string& name() const { return name_; }
  bool omniscient() const { return name_ == "alie" || name_ == "ipm"; }
  bool flips_labels() const { return name_ == "labelflip"; }
  double alie_z() const { return z_; }
  // Replaces g (this attacker's true gradient) by the forged one. mean and
  // sq_mean: the round's mean of the workers' gradients and of their squares
  // (omniscient attacks only). `stream` seeds the random attack.
  void forge(std::span<float> g, std::span<const float> mean, std::span<const float> sq_mean, uint64_t stream) const;

 private:
  std::string name_;
  double sigma_ = 1, scale_ = 100, z_ = 0, eps_ = 0.1;
};

// Baruch et al.'s z_max: s = floor(n/2 + 1) - K supporters are needed, and
// z = Phi^-1((n - s) / n).
double alie_z_max(int workers, int byzantine);

}  // namespace tern::distributed::ps
