// IEEE binary16 conversions (round to nearest even), portable bit
// manipulation (no F16C, no compiler _Float16), inline so that loops over
// buffers (f16 tensors, the fp16 codec, half-precision all-reduce sums) can
// be vectorised.
#pragma once

#include <cstdint>
#include <cstring>

namespace tern {

inline uint16_t float_to_half(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7fffffffu;
  if (u >= 0x47800000u)  // >= 65536, inf or NaN: inf, or a quiet NaN
    return static_cast<uint16_t>(sign | (u > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (u < 0x38800000u) {  // below the smallest normal half (2^-14)
    // Adding 0.5 (whose ulp is 2^-24, the subnormal half's ulp) rounds the
    // value to nearest even in float hardware; the low bits are the half.
    float a;
    std::memcpy(&a, &u, 4);
    a += 0.5f;
    uint32_t r;
    std::memcpy(&r, &a, 4);
    return static_cast<uint16_t>(sign | (r - 0x3f000000u));
  }
  // Normal: rebias the exponent (127 -> 15) and round 23 -> 10 mantissa bits
  // to nearest even; a carry into the exponent is the correct rounding.
  const uint32_t odd = (u >> 13) & 1u;
  u += 0xc8000000u + 0xfffu + odd;
  return static_cast<uint16_t>(sign | (u >> 13));
}

inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0) {
    float f = static_cast<float>(mant) * (1.0f / 16777216.0f);  // mant * 2^-24, exact
    std::memcpy(&u, &f, 4);
    u |= sign;
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 112) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace tern
