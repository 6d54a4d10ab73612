// Philox4x32-10 counter-based generator (Salmon et al., SC'11).
// Any element can be regenerated from (seed, index) alone: element i of a
// random tensor is drawn from counter block i/4, lane i%4. That makes random
// ops reproducible regardless of thread count or chunking, and lets Dropback
// regenerate initial weights instead of storing them.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace tern {

struct Philox {
  static std::array<uint32_t, 4> block(uint64_t seed, uint64_t counter) {
    uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
    uint32_t c2 = 0, c3 = 0;
    uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
    for (int round = 0; round < 10; ++round) {
      const uint64_t p0 = uint64_t{0xD2511F53u} * c0;
      const uint64_t p1 = uint64_t{0xCD9E8D57u} * c2;
      const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
      const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
      c0 = hi1 ^ c1 ^ k0;
      c1 = lo1;
      c2 = hi0 ^ c3 ^ k1;
      c3 = lo0;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    return {c0, c1, c2, c3};
  }

  // The raw 32-bit value for element `index` of the stream `seed`.
  static uint32_t bits(uint64_t seed, uint64_t index) { return block(seed, index >> 2)[index & 3]; }

  // Uniform in [0, 1) with 24 bits of precision.
  static float uniform(uint64_t seed, uint64_t index) {
    return static_cast<float>(bits(seed, index) >> 8) * (1.0f / 16777216.0f);
  }

  // Standard normal via Box-Muller. Uses its own key (seed ^ kNormalKey), so
  // normal and uniform draws at the same indices are independent.
  static constexpr uint64_t kNormalKey = 0xA5A5A5A5A5A5A5A5ull;
  static float normal(uint64_t seed, uint64_t index) {
    const auto b = block(seed ^ kNormalKey, index >> 1);
    const int lane = static_cast<int>(index & 1) * 2;
    const float u1 = (static_cast<float>(b[lane] >> 8) + 1.0f) * (1.0f / 16777217.0f);
    const float u2 = static_cast<float>(b[lane + 1] >> 8) * (1.0f / 16777216.0f);
    return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530717958647692f * u2);
  }
};

// A seeded stream that hands out disjoint index ranges, so successive random
// ops on one generator never reuse numbers.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eed) : seed_(seed) {}
  uint64_t seed() const { return seed_; }
  // Reserves `n` indices and returns the first.
  uint64_t reserve(uint64_t n) {
    const uint64_t start = offset_;
    offset_ += (n + 3) & ~uint64_t{3};
    return start;
  }
  uint64_t offset() const { return offset_; }
  void set_state(uint64_t seed, uint64_t offset) { seed_ = seed; offset_ = offset; }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The process-wide default generator used by rand/randn/dropout/initialisers.
Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace tern
