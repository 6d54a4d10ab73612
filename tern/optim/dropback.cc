#include "tern/optim/dropback.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>

#include "tern/base/parallel.h"
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

// w[i] = m[i] ? w[i] : w0[i], bit-exact, as integer masks (vectorised).
void blend(float* __restrict w, const float* __restrict w0, const uint8_t* __restrict m, int64_t n) {
  uint32_t* __restrict wb = reinterpret_cast<uint32_t*>(w);
  const uint32_t* __restrict ob = reinterpret_cast<const uint32_t*>(w0);
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t keep = 0u - static_cast<uint32_t>(m[i]);
    wb[i] = (wb[i] & keep) | (ob[i] & ~keep);
  }
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
  TERN_CHECK(total_ < (int64_t{1} << 32), "dropback: at most 2^32 - 1 weights, the parameters hold ", total_);
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

template <typename Fn>
void Dropback::for_pieces(int64_t begin, int64_t end, Fn&& fn) const {
  // The parameter holding global index `begin`, then pieces of at most kChunk inside one parameter.
  size_t p = static_cast<size_t>(std::upper_bound(offsets_.begin(), offsets_.end(), begin) - offsets_.begin()) - 1;
  for (int64_t g = begin; g < end;) {
    while (g >= offsets_[p] + inner_.params()[p].param.numel()) ++p;
    const int64_t local = g - offsets_[p];
    const int64_t c = std::min({kChunk, end - g, inner_.params()[p].param.numel() - local});
    fn(p, local, c, g);
    g += c;
  }
}

void Dropback::reset_untracked() {
  const bool to_zero = options_.baseline != DropbackBaseline::none;
  const int slices = slices_count();
  parallel_for(slices, 1, [&](int64_t s0, int64_t s1) {
    std::vector<float> buf(to_zero ? 0 : kChunk);
    for (int64_t s = s0; s < s1; ++s)
      for_pieces(slice_begin(s), slice_begin(s + 1), [&](size_t p, int64_t b, int64_t c, int64_t g) {
        float* w = inner_.params()[p].param.data<float>() + b;
        const uint8_t* m = mask_.data() + g;
        if (std::find(m, m + c, uint8_t{0}) == m + c) return;  // all tracked
        if (to_zero) {
          for (int64_t i = 0; i < c; ++i)
            if (!m[i]) w[i] = 0.0f;
          return;
        }
        float* __restrict w0 = buf.data();
        w0_(p, b, c, w0);
        blend(w, w0, m, c);
      });
  });
}

// One selection step, in three passes over the model split into slices
// (one per thread): (1) scores and a histogram of their top 12 bits (sign,
// exponent, 3 mantissa bits; four interleaved copies, so runs of equal bins
// do not serialise on one counter); (2) the scores inside the bin that holds
// the k-th largest, gathered, and the exact threshold among them by
// nth_element; (3) the mask, and the reset of untracked weights to a second
// regeneration of w0.
void Dropback::select_and_reset() {
  const int slices = slices_count();
  constexpr int kBits = 12, kShift = 32 - kBits;
  constexpr int64_t kBins = int64_t{1} << kBits, kCopies = 4;
  hist_.assign(static_cast<size_t>(slices) * kBins * kCopies, 0);
  scores_.resize(total_);
  parallel_for(slices, 1, [&](int64_t s0, int64_t s1) {
    std::vector<float> buf(kChunk);
    for (int64_t s = s0; s < s1; ++s) {
      uint32_t* __restrict h = hist_.data() + s * kBins * kCopies;
      for_pieces(slice_begin(s), slice_begin(s + 1), [&](size_t p, int64_t b, int64_t c, int64_t g) {
        const float* __restrict w = inner_.params()[p].param.data<float>() + b;
        float* __restrict w0 = buf.data();
        w0_(p, b, c, w0);
        uint32_t* __restrict sc = scores_.data() + g;
        for (int64_t i = 0; i < c; ++i) sc[i] = std::bit_cast<uint32_t>(std::fabs(w[i] - w0[i]));
        int64_t i = 0;
        for (; i + 4 <= c; i += 4) {
          ++h[(sc[i] >> kShift) * kCopies];
          ++h[(sc[i + 1] >> kShift) * kCopies + 1];
          ++h[(sc[i + 2] >> kShift) * kCopies + 2];
          ++h[(sc[i + 3] >> kShift) * kCopies + 3];
        }
        for (; i < c; ++i) ++h[(sc[i] >> kShift) * kCopies];
      });
    }
  });
  // The bin holding the k-th largest, how many lie above it, and per slice how many lie in it.
  std::vector<int64_t> in_bin(slices);
  int64_t above = 0;
  uint32_t bin = 0;
  for (int64_t b = kBins - 1; b >= 0; --b) {
    int64_t n = 0;
    for (int s = 0; s < slices; ++s) {
      in_bin[s] = 0;
      for (int64_t c = 0; c < kCopies; ++c) in_bin[s] += hist_[(s * kBins + b) * kCopies + c];
      n += in_bin[s];
    }
    if (above + n >= k_) {
      bin = static_cast<uint32_t>(b);
      break;
    }
    above += n;
  }
  std::vector<int64_t> start(slices + 1, 0);
  for (int s = 0; s < slices; ++s) start[s + 1] = start[s] + in_bin[s];
  candidates_.resize(static_cast<size_t>(start[slices]));
  parallel_for(slices, 1, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      if (in_bin[s] == 0) continue;
      const uint32_t* __restrict sc = scores_.data();
      uint32_t* __restrict out = candidates_.data() + start[s];
      int64_t n = 0;
      for (int64_t i = slice_begin(s), e = slice_begin(s + 1); i < e; ++i) {
        out[n] = sc[i];  // branch-free compaction; out has room for exactly in_bin[s]
        n += (sc[i] >> kShift) == bin;
        if (n == in_bin[s]) break;
      }
    }
  });
  // The (k - above)-th largest candidate is the threshold.
  const int64_t need = k_ - above;
  std::vector<uint32_t> sorted = candidates_;
  std::nth_element(sorted.begin(), sorted.begin() + (need - 1), sorted.end(), std::greater<uint32_t>());
  const uint32_t threshold = sorted[need - 1];
  int64_t ties = need;
  for (uint32_t v : sorted) ties -= v > threshold;
  // Ties at the threshold go to the lowest indices: slice by slice, in order.
  std::vector<int64_t> slice_ties(slices);
  for (int s = 0; s < slices; ++s) {
    int64_t here = 0;
    for (int64_t j = start[s]; j < start[s + 1]; ++j) here += candidates_[j] == threshold;
    slice_ties[s] = std::min(here, ties);
    ties -= slice_ties[s];
  }
  parallel_for(slices, 1, [&](int64_t s0, int64_t s1) {
    std::vector<float> buf(kChunk);
    for (int64_t s = s0; s < s1; ++s) {
      int64_t left = slice_ties[s];
      for_pieces(slice_begin(s), slice_begin(s + 1), [&](size_t p, int64_t b, int64_t c, int64_t g) {
        float* __restrict w = inner_.params()[p].param.data<float>() + b;
        const uint32_t* __restrict sc = scores_.data() + g;
        uint8_t* __restrict m = mask_.data() + g;
        const uint32_t t = threshold;  // a local: the stores to m may not alias it
        int64_t kept = 0, equal = 0;
        for (int64_t i = 0; i < c; ++i) {  // no branch: vectorised
          m[i] = sc[i] > t;
          kept += sc[i] > t;
          equal += sc[i] == t;
        }
        for (int64_t i = 0; equal > 0 && left > 0 && i < c; ++i)  // ties, rare
          if (sc[i] == t) m[i] = 1, ++kept, --left, --equal;
        if (kept == c) return;
        float* __restrict w0 = buf.data();
        w0_(p, b, c, w0);
        blend(w, w0, m, c);
      });
    }
  });
  selected_ = true;
}

void Dropback::after_step() {
  Timer timer;
  if (k_ < total_) {
    if (frozen_) reset_untracked();
    else select_and_reset();
  } else if (!selected_) {
    std::fill(mask_.begin(), mask_.end(), uint8_t{1});
    selected_ = true;
  }
  select_seconds_ += timer.seconds();
}

int Dropback::num_threads_hint() { return num_threads(); }

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
