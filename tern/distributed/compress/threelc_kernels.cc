// Portable 3LC kernels and the run-time choice of path.
#include "tern/distributed/compress/threelc_kernels.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>

#include "tern/base/error.h"

namespace tern::distributed::compress::threelc {

#if defined(__x86_64__) || defined(__i386__)
const Kernels& avx2_kernels();
const Kernels& avx512_kernels();
#endif

namespace {

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

uint32_t max_abs_bits_scalar(const float* x, const float* e, int64_t n) {
  uint32_t m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, bits_of(x[i] + e[i]) & 0x7fffffffu);
  return m;
}

// Digits of up to 80 elements first (a branch-free loop the compiler can
// vectorise with baseline SSE2), then five digits per group byte.
void quantize_scalar(const float* x, float* e, int64_t n, float S, uint8_t* groups) {
  uint8_t digits[80 + 8] = {};
  const float neg_s = -S;
  for (int64_t i = 0; i < n; i += 80) {
    const int m = static_cast<int>(std::min<int64_t>(80, n - i));
    for (int j = 0; j < m; ++j) {
      const float y = x[i + j] + e[i + j];
      const float y2 = y + y;
      const bool gt = y2 >= S, lt = y2 <= -S;
      // y - S, y - (-S) = y + S, or y - 0 = y (also for y = -0): selects
      // of values rather than of operations keep the loop branch-free.
      const float shift = gt ? S : 0.0f;
      e[i + j] = y - (lt ? neg_s : shift);
      digits[j] = static_cast<uint8_t>(1 + gt - lt);
    }
    for (int g = 0; g < m / 5; ++g) groups[i / 5 + g] = combine5(digits + 5 * g);
  }
}

void expand_scalar(const uint8_t* bytes, int64_t len, const float (*lut)[8], float* dst, int64_t g0,
                   int64_t limit) {
  int64_t at = 5 * g0;
  for (int64_t k = 0; k < len && at < limit; ++k) {
    const uint8_t b = bytes[k];
    if (b < 243) {
      const int64_t m = std::min<int64_t>(5, limit - at);
      std::memcpy(dst + at, lut[b], static_cast<size_t>(m) * sizeof(float));
      at += 5;
    } else {
      const int64_t m = std::min<int64_t>(5 * int64_t{b - kRunBase}, limit - at);
      std::memset(dst + at, 0, static_cast<size_t>(m) * sizeof(float));
      at += 5 * int64_t{b - kRunBase};
    }
  }
}

uint64_t nonzero_mask64_scalar(const uint8_t* p) { return nonzero_mask_scalar(p, 64); }

const Kernels kScalarKernels{max_abs_bits_scalar, quantize_scalar, expand_scalar, nonzero_mask64_scalar};

// -1: not forced.
std::atomic<int> g_forced{-1};

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

Isa parse_isa(const char* name) {
  const std::string s = name;
  if (s == "scalar") return Isa::kScalar;
  if (s == "avx2") return Isa::kAvx2;
  if (s == "avx512") return Isa::kAvx512;
  if (s == "auto") return best_isa();
  TERN_FAIL("3lc: unknown instruction set '", s, "' (expected scalar, avx2, avx512 or auto)");
}

bool isa_supported(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return __builtin_cpu_supports("avx2");
    case Isa::kAvx512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
  }
  return false;
#else
  return isa == Isa::kScalar;
#endif
}

Isa best_isa() {
  static const Isa best = isa_supported(Isa::kAvx512) ? Isa::kAvx512
                          : isa_supported(Isa::kAvx2) ? Isa::kAvx2
                                                      : Isa::kScalar;
  return best;
}

Isa active_isa() {
  const int f = g_forced.load(std::memory_order_relaxed);
  return f < 0 ? best_isa() : static_cast<Isa>(f);
}

void force_isa(Isa isa) {
  TERN_CHECK(isa_supported(isa), "3lc: this CPU does not support the ", isa_name(isa),
             " path (best available: ", isa_name(best_isa()), ")");
  g_forced.store(static_cast<int>(isa), std::memory_order_relaxed);
}

void unforce_isa() { g_forced.store(-1, std::memory_order_relaxed); }

const Kernels& kernels(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  if (isa == Isa::kAvx512) return avx512_kernels();
  if (isa == Isa::kAvx2) return avx2_kernels();
#endif
  return kScalarKernels;
}

uint64_t nonzero_mask_scalar(const uint8_t* p, int64_t len) {
  uint64_t mask = 0;
  int64_t k = 0;
  for (; k + 8 <= len; k += 8) {
    // SWAR: the high bit of each byte of t is set iff that byte of v != 121;
    // the multiply gathers the eight high bits into the top byte.
    uint64_t v;
    std::memcpy(&v, p + k, 8);
    const uint64_t x = v ^ 0x7979797979797979ull;
    const uint64_t t = (((x & 0x7f7f7f7f7f7f7f7full) + 0x7f7f7f7f7f7f7f7full) | x) & 0x8080808080808080ull;
    mask |= (((t >> 7) * 0x0102040810204080ull) >> 56) << k;
  }
  for (; k < len; ++k) mask |= uint64_t{p[k] != kZeroGroup} << k;
  return mask;
}

void build_lut(float S, float (*lut)[8]) {
  for (int b = 0; b < 243; ++b) {
    int rest = b;
    for (int j = 4; j >= 0; --j) {
      lut[b][j] = static_cast<float>(rest % 3 - 1) * S;
      rest /= 3;
    }
    lut[b][5] = lut[b][6] = lut[b][7] = 0.0f;
  }
}

}  // namespace tern::distributed::compress::threelc
