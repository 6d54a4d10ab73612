#include "tern/optim/dropback.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "tern/base/philox.h"
#include "tern/base/timer.h"

namespace tern::optim {

namespace {

constexpr int64_t kChunk = 1 << 14;  // w0 is regenerated this many weights at a time (64 KiB, stays in L2)

// Index of the k-th largest key (1-based) as (threshold, how many keys equal
// to it are taken): two passes of a 65536-bin histogram.
std::pair<uint32_t, int64_t> kth_largest(const std::vector<uint32_t>& keys, int64_t k) {
  std::vector<int64_t> hist(1 << 16, 0);
  for (uint32_t s : keys) ++hist[s >> 16];
  int64_t above = 0;
  uint32_t hi = 0;
  for (int64_t b = (1 << 16) - 1; b >= 0; --b) {
    if (above + hist[b] >= k) {
      hi = static_cast<uint32_t>(b);
      break;
    }
    above += hist[b];
  }
  std::fill(hist.begin(), hist.end(), 0);
  for (uint32_t s : keys)
    if ((s >> 16) == hi) ++hist[s & 0xFFFF];
  for (int64_t l = (1 << 16) - 1; l >= 0; --l) {
    if (above + hist[l] >= k) return {(hi << 16) | static_cast<uint32_t>(l), k - above};
    above += hist[l];
  }
  TERN_ASSERT(false);  // k <= keys.size(), so some bin reaches k
  return {0, 0};
}

}  // namespace

const char* baseline_name(DropbackBaseline b) {
  switch (b) {
    case DropbackBaseline::none: return "none";
    case DropbackBaseline::magnitude_init: return "magnitude-init";
    case DropbackBaseline::random_mask: return "random-mask";
  }
  return "none";
}

DropbackBaseline parse_baseline(const std::string& name) {
  for (DropbackBaseline b : {DropbackBaseline::none, DropbackBaseline::magnitude_init, DropbackBaseline::random_mask})
    if (name == baseline_name(b)) return b;
  TERN_FAIL("dropback baseline: expected none, magnitude-init or random-mask, given '", name, "'");
}

Dropback::Dropback(Optimizer& inner, InitialValues w0, DropbackOptions options)
    : inner_(inner), w0_(std::move(w0)), options_(options) {
  TERN_CHECK(options_.k >= 1, "dropback: k (tracked weights) must be >= 1, given ", options_.k);
  TERN_CHECK(static_cast<bool>(w0_), "dropback: no initial values given");
  for (const ParamRef& p : inner_.params()) {
    TERN_CHECK_TYPE(p.param.dtype() == DType::f32, "dropback: parameter '", p.name, "' is ",
                    dtype_name(p.param.dtype()), "; only f32 parameters are supported");
    offsets_.push_back(total_);
    total_ += p.param.numel();
  }
  k_ = std::min(options_.k, total_);
  mask_.assign(total_, 0);
  if (options_.baseline == DropbackBaseline::none) return;
  // Baselines: one selection now, then fixed.
  scores_.resize(total_);
  std::vector<float> buf(kChunk);
  for (size_t p = 0; p < offsets_.size(); ++p) {
    const int64_t n = inner_.params()[p].param.numel();
    for (int64_t b = 0; b < n; b += kChunk) {
      const int64_t c = std::min(kChunk, n - b);
      uint32_t* s = scores_.data() + offsets_[p] + b;
      if (options_.baseline == DropbackBaseline::magnitude_init) {
        w0_(p, b, c, buf.data());
        for (int64_t i = 0; i < c; ++i) s[i] = std::bit_cast<uint32_t>(std::fabs(buf[i]));
      } else {
        for (int64_t i = 0; i < c; ++i) s[i] = Philox::bits(options_.seed, static_cast<uint64_t>(offsets_[p] + b + i));
      }
    }
  }
  select_from_scores();
  scores_ = {};
  frozen_ = true;
  reset_untracked();
}

void Dropback::step() {
  inner_.step();
  after_step();
}

void Dropback::select_from_scores() {
  const auto [threshold, ties] = kth_largest(scores_, k_);
  int64_t left = ties;
  for (int64_t i = 0; i < total_; ++i) {
    const uint32_t s = scores_[i];
    const bool keep = s > threshold || (s == threshold && left > 0);
    left -= s == threshold && keep;
    mask_[i] = keep;
  }
  selected_ = true;
}

void Dropback::reset_untracked() {
  const bool to_zero = options_.baseline != DropbackBaseline::none;
  std::vector<float> buf(to_zero ? 0 : kChunk);
  for (size_t p = 0; p < offsets_.size(); ++p) {
    const Tensor& t = inner_.params()[p].param;
    float* w = t.data<float>();
    const uint8_t* m = mask_.data() + offsets_[p];
    const int64_t n = t.numel();
    for (int64_t b = 0; b < n; b += kChunk) {
      const int64_t c = std::min(kChunk, n - b);
      if (to_zero) {
        for (int64_t i = b; i < b + c; ++i)
          if (!m[i]) w[i] = 0.0f;
        continue;
      }
      if (std::find(m + b, m + b + c, uint8_t{0}) == m + b + c) continue;  // all tracked
      w0_(p, b, c, buf.data());
      for (int64_t i = 0; i < c; ++i)
        if (!m[b + i]) w[b + i] = buf[i];
    }
  }
}

void Dropback::after_step() {
  Timer timer;
  if (k_ < total_) {
    if (!frozen_) {
      scores_.resize(total_);
      std::vector<float> buf(kChunk);
      for (size_t p = 0; p < offsets_.size(); ++p) {
        const Tensor& t = inner_.params()[p].param;
        const float* w = t.data<float>();
        const int64_t n = t.numel();
        for (int64_t b = 0; b < n; b += kChunk) {
          const int64_t c = std::min(kChunk, n - b);
          w0_(p, b, c, buf.data());
          uint32_t* s = scores_.data() + offsets_[p] + b;
          for (int64_t i = 0; i < c; ++i) s[i] = std::bit_cast<uint32_t>(std::fabs(w[b + i] - buf[i]));
        }
      }
      select_from_scores();
    }
    reset_untracked();
  } else if (!selected_) {
    std::fill(mask_.begin(), mask_.end(), uint8_t{1});
    selected_ = true;
  }
  select_seconds_ += timer.seconds();
}

int64_t Dropback::tracked_count() const {
  int64_t n = 0;
  for (uint8_t m : mask_) n += m;
  return n;
}

std::vector<int64_t> Dropback::tracked(size_t param) const {
  TERN_CHECK(param < offsets_.size(), "dropback: no parameter ", param);
  std::vector<int64_t> out;
  const int64_t n = inner_.params()[param].param.numel();
  for (int64_t i = 0; i < n; ++i)
    if (mask_[offsets_[param] + i]) out.push_back(i);
  return out;
}

}  // namespace tern::optim
