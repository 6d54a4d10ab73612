// float exp and tanh written without branches or calls, so that a loop of
// them vectorises (SSE2 in the default build, wider with -march=native):
// libm's scalar expf/tanhf are calls the compiler cannot vectorise, and on
// small-op workloads (the L2HMC leapfrog of tern/graph/staged_bench.cc) they
// were a third of a staged call. scalar_fns.h uses them for float, so eager
// kernels, the reference kernels and fused staged loops agree exactly.
//
// Accuracy, checked against double precision over a dense sweep of floats by
// vector_math_test.cc: exp within 2 ulp where the result is normal (and
// correct overflow to inf, underflow through subnormals to 0, NaN in NaN
// out); tanh within 3 ulp. Both are Cephes's polynomials (S. Moshier, Cephes
// Math Library: expf.c, tanhf.c) with the range reduction done by bit
// arithmetic instead of floor/ldexp.
#pragma once

#include <bit>
#include <cstdint>

namespace tern::ops::vmath {

// e^x. x = n ln2 + r, |r| <= ln2 / 2; e^r by Cephes's degree-5 polynomial;
// 2^n applied as two factors so that n in [-150, 128] stays exact (results
// down to subnormals, and overflow to inf).
inline float exp(float x) {
  const float lo = -104.0f, hi = 89.0f;  // beyond: 0 and inf anyway
  float c = x > lo ? x : lo;  // NaN becomes lo here (no NaN reaches the int conversion)
  c = c < hi ? c : hi;
  // round(c / ln2) with the 1.5 * 2^23 trick (round to nearest even).
  const float magic = 12582912.0f;
  const float t = c * 1.44269504088896341f + magic;
  const float nf = t - magic;
  const float r = (c - nf * 0.693359375f) - nf * -2.12194440e-4f;  // ln2 in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  const int32_t n = static_cast<int32_t>(nf);
  const int32_t n1 = n >> 1, n2 = n - n1;  // each in [-75, 64]: a normal power of two
  const float s1 = std::bit_cast<float>(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = std::bit_cast<float>(static_cast<uint32_t>(n2 + 127) << 23);
  const float out = y * s1 * s2;
  return x != x ? x : out;  // NaN passes through (the clamp replaced it)
}

// tanh(x): Cephes's odd polynomial below |x| = 0.625, 1 - 2 / (e^{2|x|} + 1)
// above it (both computed, one chosen: no branch), the sign put back.
inline float tanh(float x) {
  const float a = x < 0 ? -x : x;
  const float z = x * x;
  float p = -5.70498872745e-3f;
  p = p * z + 2.06390887954e-2f;
  p = p * z - 5.37397155531e-2f;
  p = p * z + 1.33314422036e-1f;
  p = p * z - 3.33332819422e-1f;
  const float small = p * z * x + x;
  const float big_abs = 1.0f - 2.0f / (vmath::exp(2.0f * a) + 1.0f);
  const float big = x < 0 ? -big_abs : big_abs;
  const float out = a < 0.625f ? small : big;  // NaN: a < 0.625 is false, big is NaN
  return x == 0 ? x : out;                     // keeps the sign of -0
}

}  // namespace tern::ops::vmath
