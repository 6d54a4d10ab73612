// Learning-rate schedules. A schedule is a pure function of the step (or
// epoch) number, so restoring it after a checkpoint needs only that number.
// Schedules compose: LinearWarmup wraps another schedule, which starts
// counting from 0 when the warm-up ends (as torch.optim.lr_scheduler's
// SequentialLR does with LinearLR followed by StepLR or CosineAnnealingLR).
//
//   auto cosine = std::make_shared<CosineAnnealing>(0.1, 1000);
//   LinearWarmup sched(cosine, 100);
//   for (int64_t s = 0; ...; ++s) { sched.apply(opt, s); ...; opt.step(); }
#pragma once

#include <cstdint>
#include <memory>

#include "tern/base/registry.h"
#include "tern/optim/optimizer.h"

namespace tern::optim {

class LrSchedule {
 public:
  virtual ~LrSchedule() = default;
  // The learning rate to use for step (or epoch) `step` >= 0.
  virtual double lr_at(int64_t step) const = 0;
  // opt.set_lr(lr_at(step)).
  void apply(Optimizer& opt, int64_t step) const { opt.set_lr(lr_at(step)); }
};

// Always base_lr.
class ConstantLr : public LrSchedule {
 public:
  explicit ConstantLr(double base_lr);
  double lr_at(int64_t step) const override;

 private:
  double base_;
};

// base_lr * gamma^floor(step / step_size) (torch StepLR).
class StepDecay : public LrSchedule {
 public:
  StepDecay(double base_lr, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t step) const override;

 private:
  double base_, gamma_;
  int64_t step_size_;
};

// eta_min + (base_lr - eta_min) * (1 + cos(pi * min(step, t_max) / t_max)) / 2
// (the closed form of torch CosineAnnealingLR, SGDR without restarts:
// Loshchilov & Hutter, ICLR 2017). Stays at eta_min after t_max.
class CosineAnnealing : public LrSchedule {
 public:
  CosineAnnealing(double base_lr, int64_t t_max, double eta_min = 0);
  double lr_at(int64_t step) const override;

 private:
  double base_, eta_min_;
  int64_t t_max_;
};

// For step < warmup_steps: after.lr_at(0) scaled by a factor rising linearly
// from start_factor (at step 0) towards 1 (torch LinearLR); from then on
// after.lr_at(step - warmup_steps). Goyal et al. 2017 use this for large batches.
class LinearWarmup : public LrSchedule {
 public:
  LinearWarmup(std::shared_ptr<const LrSchedule> after, int64_t warmup_steps, double start_factor = 1.0 / 3);
  double lr_at(int64_t step) const override;

 private:
  std::shared_ptr<const LrSchedule> after_;
  int64_t warmup_;
  double start_factor_;
};

// Schedules by name (the registry idiom of tern/base/registry.h), each
// spanning `steps` steps (or epochs) from `base_lr`: none (constant),
// cosine (eta_min=0) and step (step_size=steps/3 rounded down, at least 1;
// gamma=0.1). Warm-up wraps whichever is chosen (LinearWarmup).
using ScheduleRegistry = Registry<std::shared_ptr<LrSchedule>(double base_lr, int64_t steps)>;
const ScheduleRegistry& schedule_registry();
std::shared_ptr<LrSchedule> make_schedule(const std::string& name, double base_lr, int64_t steps,
                                          const Args& args = Args("schedule argument "));

}  // namespace tern::optim
