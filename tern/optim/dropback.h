// Dropback (Golub, Lemieux & Lis, "Full deep neural network training on a
// pruned weight budget", SysML 2019): train with only k of the N weights
// tracked. After every step of the wrapped optimiser, the k weights with the
// largest accumulated change |w - w0| (over all parameters together) keep
// their values and every other weight is reset to its initial value w0.
// w0 is never stored: it is regenerated from (seed, parameter, index) at
// every access through the InitialValues callback (for zoo models,
// nn::init::regenerate of the InitSpec each parameter recorded). Forward and
// backward stay dense. freeze() fixes the tracked set (the paper's option
// of freezing after F epochs): from then on only the reset runs.
//
// Selection is exact and uses no sort: the scores' float bits order like
// the floats (they are >= 0), so one histogram of their top 12 bits finds
// the bin holding the k-th largest score, and std::nth_element over the
// scores in that bin alone finds the exact threshold; ties at the threshold
// go to the lowest global indices, so exactly k weights are tracked.
//
// Baselines at the same budget (for comparison, not Dropback): the mask is
// chosen once at construction and never changes, and untracked weights are
// held at 0 (pruned): magnitude_init keeps the k largest |w0|, random_mask
// k weights drawn uniformly at random (Philox, `seed`).
//
//   auto opt = optim::make_optimizer("sgd", params, {.lr = 0.1, .momentum = 0.9});
//   optim::Dropback db(*opt, w0_of_params, {.k = 26'000});
//   ... backward ...; opt->step(); db.after_step();   // or db.step()
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tern/optim/optimizer.h"

namespace tern::optim {

// Writes elements [begin, begin + count) of the initial value of parameter
// number `param` (in the optimiser's order) to dst.
using InitialValues = std::function<void(size_t param, int64_t begin, int64_t count, float* dst)>;

enum class DropbackBaseline { none, magnitude_init, random_mask };
// "none", "magnitude-init", "random-mask"; parse throws ValueError listing them.
const char* baseline_name(DropbackBaseline b);
DropbackBaseline parse_baseline(const std::string& name);

struct DropbackOptions {
  int64_t k = 0;  // tracked weights over all parameters, 1 <= k (k >= N: every weight)
  DropbackBaseline baseline = DropbackBaseline::none;
  uint64_t seed = 1;  // random_mask's draw
};

class Dropback {
 public:
  // The parameters are `inner`'s (f32, checked). Baselines apply their mask
  // at once (untracked weights set to 0).
  Dropback(Optimizer& inner, InitialValues w0, DropbackOptions options);

  // inner.step(), then after_step().
  void step();
  // Re-selects the tracked set (unless frozen) and resets every untracked
  // weight to w0 (baselines: to 0).
  void after_step();
  // Fixes the tracked set as it is now (the last selection).
  void freeze() { frozen_ = true; }
  bool frozen() const { return frozen_; }

  Optimizer& inner() { return inner_; }
  int64_t k() const { return k_; }
  int64_t total() const { return total_; }
  DropbackBaseline baseline() const { return options_.baseline; }
  // Tracked weights now (== min(k, total) after the first selection).
  int64_t tracked_count() const;
  // Ascending element indices of parameter `param` that are tracked.
  std::vector<int64_t> tracked(size_t param) const;
  bool is_tracked(size_t param, int64_t index) const { return mask_[offsets_[param] + index] != 0; }
  // Seconds spent in after_step() (selection and reset), for the step-time share.
  double select_seconds() const { return select_seconds_; }

 private:
  void select_from_scores();  // mask_ from scores_ (exactly k_ set), serial: the baselines' one selection
  void select_and_reset();    // Dropback's step
  void reset_untracked();     // frozen / baselines: untracked weights to w0 / 0
  // Calls fn(param, local begin, count, global begin) over [begin, end) in pieces of one parameter.
  template <typename Fn>
  void for_pieces(int64_t begin, int64_t end, Fn&& fn) const;
  // The work is split into one contiguous slice of the global index space per thread.
  int slices_count() const { return std::max(1, std::min<int>(num_threads_hint(), static_cast<int>(total_ / 4096) + 1)); }
  int64_t slice_begin(int64_t s) const { return total_ * s / slices_count(); }
  static int num_threads_hint();

  Optimizer& inner_;
  InitialValues w0_;
  DropbackOptions options_;
  int64_t k_ = 0, total_ = 0;
  std::vector<int64_t> offsets_;  // global index of each parameter's element 0
  std::vector<uint8_t> mask_;     // 1: tracked
  std::vector<uint32_t> scores_;  // float bits of |w - w0|, reused every step
  std::vector<uint32_t> hist_;        // histograms of the scores' top bits, per slice
  std::vector<uint32_t> candidates_;  // the scores in the threshold's bin
  bool frozen_ = false;
  bool selected_ = false;
  double select_seconds_ = 0;
};

}  // namespace tern::optim
