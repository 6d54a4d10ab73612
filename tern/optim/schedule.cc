#include "tern/optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tern::optim {

namespace {
void check_lr(double lr, const char* who) {
  TERN_CHECK(std::isfinite(lr) && lr >= 0, who, ": base learning rate must be finite and >= 0, got ", lr);
}
void check_step(int64_t step, const char* who) {
  TERN_CHECK(step >= 0, who, ": step must be >= 0, got ", step);
}
}  // namespace

ConstantLr::ConstantLr(double base_lr) : base_(base_lr) { check_lr(base_lr, "ConstantLr"); }

double ConstantLr::lr_at(int64_t step) const {
  check_step(step, "ConstantLr");
  return base_;
}

StepDecay::StepDecay(double base_lr, int64_t step_size, double gamma)
    : base_(base_lr), gamma_(gamma), step_size_(step_size) {
  check_lr(base_lr, "StepDecay");
  TERN_CHECK(step_size > 0, "StepDecay: step_size must be > 0, got ", step_size);
  TERN_CHECK(gamma > 0 && gamma <= 1, "StepDecay: gamma must be in (0, 1], got ", gamma);
}

double StepDecay::lr_at(int64_t step) const {
  check_step(step, "StepDecay");
  return base_ * std::pow(gamma_, static_cast<double>(step / step_size_));
}

CosineAnnealing::CosineAnnealing(double base_lr, int64_t t_max, double eta_min)
    : base_(base_lr), eta_min_(eta_min), t_max_(t_max) {
  check_lr(base_lr, "CosineAnnealing");
  TERN_CHECK(t_max > 0, "CosineAnnealing: t_max must be > 0, got ", t_max);
  TERN_CHECK(eta_min >= 0 && eta_min <= base_lr, "CosineAnnealing: eta_min must be in [0, base_lr = ", base_lr,
             "], got ", eta_min);
}

double CosineAnnealing::lr_at(int64_t step) const {
  check_step(step, "CosineAnnealing");
  const double t = static_cast<double>(std::min(step, t_max_)) / static_cast<double>(t_max_);
  return eta_min_ + (base_ - eta_min_) * (1 + std::cos(std::numbers::pi * t)) / 2;
}

LinearWarmup::LinearWarmup(std::shared_ptr<const LrSchedule> after, int64_t warmup_steps, double start_factor)
    : after_(std::move(after)), warmup_(warmup_steps), start_factor_(start_factor) {
  TERN_CHECK(after_ != nullptr, "LinearWarmup: needs the schedule that follows the warm-up");
  TERN_CHECK(warmup_steps >= 0, "LinearWarmup: warmup_steps must be >= 0, got ", warmup_steps);
  TERN_CHECK(start_factor > 0 && start_factor <= 1, "LinearWarmup: start_factor must be in (0, 1], got ",
             start_factor);
}

double LinearWarmup::lr_at(int64_t step) const {
  check_step(step, "LinearWarmup");
  if (step >= warmup_) return after_->lr_at(step - warmup_);
  const double f = start_factor_ + (1 - start_factor_) * static_cast<double>(step) / static_cast<double>(warmup_);
  return after_->lr_at(0) * f;
}

const ScheduleRegistry& schedule_registry() {
  static const ScheduleRegistry r = [] {
    ScheduleRegistry reg("schedule");
    reg.add({"none", "constant learning rate", {}, [](const Args&, double lr, int64_t) {
               return std::shared_ptr<LrSchedule>(std::make_shared<ConstantLr>(lr));
             }});
    reg.add({"cosine", "cosine annealing to eta_min over the run (torch CosineAnnealingLR)", {{"eta_min", "", "0"}},
             [](const Args& a, double lr, int64_t steps) {
               return std::shared_ptr<LrSchedule>(
                   std::make_shared<CosineAnnealing>(lr, steps, a.get_double("eta_min", 0, {.min = 0})));
             }});
    reg.add({"step", "multiply by gamma every step_size steps (torch StepLR)",
             {{"step_size", "", "steps/3"}, {"gamma", "", "0.1"}}, [](const Args& a, double lr, int64_t steps) {
               const int64_t size = a.get_int("step_size", std::max<int64_t>(steps / 3, 1), {.min = 1});
               const double gamma = a.get_double("gamma", 0.1, {.min = 0, .max = 1, .min_exclusive = true});
               return std::shared_ptr<LrSchedule>(std::make_shared<StepDecay>(lr, size, gamma));
             }});
    return reg;
  }();
  return r;
}

std::shared_ptr<LrSchedule> make_schedule(const std::string& name, double base_lr, int64_t steps, const Args& args) {
  return schedule_registry().make(name, args, base_lr, steps);
}

}  // namespace tern::optim
