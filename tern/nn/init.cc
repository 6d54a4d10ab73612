#include "tern/nn/init.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "tern/base/parallel.h"
#include "tern/base/parse.h"
#include "tern/base/philox.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TERN_INIT_AVX2 1
#endif

namespace tern::nn::init {

namespace {

// The formulas of rand() / randn() followed by mul_scalar(s) and
// add_scalar(lo) (scalar_fns.h): T-valued draws, the scalar steps in double,
// each rounded to T.
template <typename T>
inline T affine(T x, double s, double lo) {
  const T v = static_cast<T>(static_cast<double>(x) * s);
  return static_cast<T>(static_cast<double>(v) + lo);
}

template <typename T>
void uniform_scalar(uint64_t seed, uint64_t first, int64_t count, double s, double lo, T* dst) {
  int64_t i = 0;
  while (i < count) {
    const uint64_t index = first + static_cast<uint64_t>(i);
    const auto block = Philox::block(seed, index >> 2);
    for (unsigned lane = index & 3; lane < 4 && i < count; ++lane, ++i) {
      const float u = static_cast<float>(block[lane] >> 8) * (1.0f / 16777216.0f);
      dst[i] = affine<T>(static_cast<T>(u), s, lo);
    }
  }
}

#ifdef TERN_INIT_AVX2
// Philox4x32-10 on 8 blocks (counters block0 .. block0 + 7) at once: two
// groups of 4, each 32-bit word in the low half of a 64-bit lane, so one
// vpmuludq gives a whole 32x32->64 product (the high halves of the lanes
// carry garbage that nothing reads).
__attribute__((target("avx2"), always_inline)) inline void philox8(uint64_t seed, uint64_t block0, __m256i w[2][4]) {
  const __m256i m0 = _mm256_set1_epi64x(0xD2511F53u), m1 = _mm256_set1_epi64x(0xCD9E8D57u);
  __m256i c0[2], c1[2], c2[2], c3[2];
  for (int g = 0; g < 2; ++g) {
    const __m256i ctr = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<int64_t>(block0 + 4 * g)),
                                         _mm256_setr_epi64x(0, 1, 2, 3));
    c0[g] = ctr;
    c1[g] = _mm256_srli_epi64(ctr, 32);
    c2[g] = c3[g] = _mm256_setzero_si256();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const __m256i vk0 = _mm256_set1_epi64x(k0), vk1 = _mm256_set1_epi64x(k1);
    for (int g = 0; g < 2; ++g) {
      const __m256i p0 = _mm256_mul_epu32(c0[g], m0), p1 = _mm256_mul_epu32(c2[g], m1);
      c0[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[g]), vk0);
      c2[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[g]), vk1);
      c1[g] = p1;
      c3[g] = p0;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  for (int g = 0; g < 2; ++g) {
    w[g][0] = c0[g];
    w[g][1] = c1[g];
    w[g][2] = c2[g];
    w[g][3] = c3[g];
  }
}

// f32 uniform over whole blocks: nblocks a multiple of 8. (m * 2^-24) * s
// rounds like m * (s * 2^-24): scaling by a power of two is exact.
__attribute__((target("avx2"))) void uniform_f32_avx2(uint64_t seed, uint64_t block0, int64_t nblocks, double s,
                                                      double lo, float* dst) {
  const __m256d vs = _mm256_set1_pd(s * (1.0 / 16777216.0)), vlo = _mm256_set1_pd(lo);
  for (int64_t b = 0; b < nblocks; b += 8) {
    __m256i w[2][4];
    philox8(seed, block0 + static_cast<uint64_t>(b), w);
    for (int g = 0; g < 2; ++g) {
      const __m256i a = _mm256_blend_epi32(w[g][0], _mm256_slli_epi64(w[g][1], 32), 0xAA);  // words 0, 1
      const __m256i c = _mm256_blend_epi32(w[g][2], _mm256_slli_epi64(w[g][3], 32), 0xAA);  // words 2, 3
      const __m256i x02 = _mm256_srli_epi32(_mm256_unpacklo_epi64(a, c), 8);               // blocks 0 | 2
      const __m256i x13 = _mm256_srli_epi32(_mm256_unpackhi_epi64(a, c), 8);               // blocks 1 | 3
      const __m128i q[4] = {_mm256_castsi256_si128(x02), _mm256_castsi256_si128(x13),
                            _mm256_extracti128_si256(x02, 1), _mm256_extracti128_si256(x13, 1)};
      float* d = dst + (b + 4 * g) * 4;
      for (int j = 0; j < 4; ++j) {
        const __m128 v = _mm256_cvtpd_ps(_mm256_mul_pd(_mm256_cvtepi32_pd(q[j]), vs));
        _mm_storeu_ps(d + 4 * j, _mm256_cvtpd_ps(_mm256_add_pd(_mm256_cvtps_pd(v), vlo)));
      }
    }
  }
}

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_epi32(), which
// -Wmaybe-uninitialized flags inside every caller (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Philox4x32-10 on 16 blocks at once, as philox8 but in 512-bit registers:
// two groups of 8 blocks, each word in the low half of a 64-bit lane.
__attribute__((target("avx512f"), always_inline)) inline void philox16(uint64_t seed, uint64_t block0,
                                                                       __m512i w[2][4]) {
  const __m512i m0 = _mm512_set1_epi64(0xD2511F53u), m1 = _mm512_set1_epi64(0xCD9E8D57u);
  const __m512i lo32 = _mm512_set1_epi64(0xFFFFFFFFu);
  __m512i c0[2], c1[2], c2[2], c3[2];
  for (int g = 0; g < 2; ++g) {
    const __m512i ctr = _mm512_add_epi64(_mm512_set1_epi64(static_cast<int64_t>(block0 + 8 * g)),
                                         _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    c0[g] = _mm512_and_si512(ctr, lo32);
    c1[g] = _mm512_srli_epi64(ctr, 32);
    c2[g] = c3[g] = _mm512_setzero_si512();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const __m512i vk0 = _mm512_set1_epi64(k0), vk1 = _mm512_set1_epi64(k1);
    for (int g = 0; g < 2; ++g) {
      const __m512i p0 = _mm512_mul_epu32(c0[g], m0), p1 = _mm512_mul_epu32(c2[g], m1);
      c0[g] = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p1, 32), c1[g]), vk0);
      c2[g] = _mm512_xor_si512(_mm512_xor_si512(_mm512_srli_epi64(p0, 32), c3[g]), vk1);
      c1[g] = p1;
      c3[g] = p0;
    }
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  for (int g = 0; g < 2; ++g) {
    w[g][0] = c0[g];
    w[g][1] = c1[g];
    w[g][2] = c2[g];
    w[g][3] = c3[g];
  }
}

// As uniform_f32_avx2 over 16 blocks per iteration: nblocks a multiple of 16.
__attribute__((target("avx512f"))) void uniform_f32_avx512(uint64_t seed, uint64_t block0, int64_t nblocks, double s,
                                                           double lo, float* dst) {
  const __m512d vs = _mm512_set1_pd(s * (1.0 / 16777216.0)), vlo = _mm512_set1_pd(lo);
  // After the unpacks a 128-bit lane holds one block's 4 words: lanes of
  // `even` are blocks 0, 2, 4, 6 and of `odd` 1, 3, 5, 7 (64-bit indices).
  const __m512i first4 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), last4 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (int64_t b = 0; b < nblocks; b += 16) {
    __m512i w[2][4];
    philox16(seed, block0 + static_cast<uint64_t>(b), w);
    for (int g = 0; g < 2; ++g) {
      const __m512i a = _mm512_mask_blend_epi32(0xAAAA, w[g][0], _mm512_slli_epi64(w[g][1], 32));  // words 0, 1
      const __m512i c = _mm512_mask_blend_epi32(0xAAAA, w[g][2], _mm512_slli_epi64(w[g][3], 32));  // words 2, 3
      const __m512i even = _mm512_srli_epi32(_mm512_unpacklo_epi64(a, c), 8);
      const __m512i odd = _mm512_srli_epi32(_mm512_unpackhi_epi64(a, c), 8);
      const __m512i ordered[2] = {_mm512_permutex2var_epi64(even, first4, odd),
                                  _mm512_permutex2var_epi64(even, last4, odd)};  // blocks 0-3, 4-7
      float* d = dst + (b + 8 * g) * 4;
      for (int h = 0; h < 2; ++h)
        for (int j = 0; j < 2; ++j) {
          const __m256i m = j == 0 ? _mm512_castsi512_si256(ordered[h]) : _mm512_extracti64x4_epi64(ordered[h], 1);
          const __m256 v = _mm512_cvtpd_ps(_mm512_mul_pd(_mm512_cvtepi32_pd(m), vs));
          _mm256_storeu_ps(d + 16 * h + 8 * j, _mm512_cvtpd_ps(_mm512_add_pd(_mm512_cvtps_pd(v), vlo)));
        }
    }
  }
}

#pragma GCC diagnostic pop

detail::Simd simd_limit = detail::Simd::avx512;

detail::Simd simd_level() {
  static const detail::Simd have = __builtin_cpu_supports("avx512f") ? detail::Simd::avx512
                                   : __builtin_cpu_supports("avx2")  ? detail::Simd::avx2
                                                                     : detail::Simd::scalar;
  return std::min(have, simd_limit);
}
#endif

void uniform_f32(uint64_t seed, uint64_t first, int64_t count, double s, double lo, float* dst) {
#ifdef TERN_INIT_AVX2
  const detail::Simd level = simd_level();
  if (level != detail::Simd::scalar && count >= 64) {
    // Scalar up to a block boundary, vector over whole groups of 8 (AVX2) or
    // 16 (AVX-512) blocks, scalar tail.
    const int64_t head = static_cast<int64_t>((4 - (first & 3)) & 3);
    uniform_scalar<float>(seed, first, head, s, lo, dst);
    const int64_t per_group = level == detail::Simd::avx512 ? 64 : 32;  // weights
    const int64_t groups = (count - head) / per_group;
    const uint64_t block0 = (first + static_cast<uint64_t>(head)) >> 2;
    if (level == detail::Simd::avx512) uniform_f32_avx512(seed, block0, groups * 16, s, lo, dst + head);
    else uniform_f32_avx2(seed, block0, groups * 8, s, lo, dst + head);
    const int64_t done = head + groups * per_group;
    uniform_scalar<float>(seed, first + static_cast<uint64_t>(done), count - done, s, lo, dst + done);
    return;
  }
#endif
  uniform_scalar<float>(seed, first, count, s, lo, dst);
}

template <typename T>
void regenerate_t(const InitSpec& spec, int64_t begin, int64_t count, T* dst) {
  TERN_CHECK(spec.regenerable(), "regenerate: the parameter has no regenerable initialiser");
  TERN_CHECK(begin >= 0 && count >= 0, "regenerate: bad range [", begin, ", +", count, ")");
  const uint64_t first = spec.offset + static_cast<uint64_t>(begin);
  switch (spec.kind) {
    case InitSpec::Kind::constant:
      for (int64_t i = 0; i < count; ++i) dst[i] = static_cast<T>(spec.a);
      break;
    case InitSpec::Kind::uniform:
      if constexpr (std::is_same_v<T, float>) uniform_f32(spec.seed, first, count, spec.b - spec.a, spec.a, dst);
      else uniform_scalar<T>(spec.seed, first, count, spec.b - spec.a, spec.a, dst);
      break;
    case InitSpec::Kind::normal:
      for (int64_t i = 0; i < count; ++i)
        dst[i] = affine<T>(static_cast<T>(Philox::normal(spec.seed, first + static_cast<uint64_t>(i))), spec.b, spec.a);
      break;
    case InitSpec::Kind::none: break;
  }
}

const char* kind_name(InitSpec::Kind k) {
  switch (k) {
    case InitSpec::Kind::constant: return "constant";
    case InitSpec::Kind::uniform: return "uniform";
    case InitSpec::Kind::normal: return "normal";
    case InitSpec::Kind::none: break;
  }
  return "none";
}

std::string round_trip(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Fills `t` from a fresh stream of default_generator() (random kinds).
InitSpec fill(Tensor& t, InitSpec spec) {
  TERN_CHECK(t.is_contiguous() && (t.dtype() == DType::f32 || t.dtype() == DType::f64),
             "init: expected a contiguous f32 or f64 tensor, got ", dtype_name(t.dtype()));
  if (spec.kind != InitSpec::Kind::constant) {
    Generator& gen = default_generator();
    spec.seed = gen.seed();
    spec.offset = gen.reserve(static_cast<uint64_t>(t.numel()));
  }
  regenerate_into(spec, t);
  return spec;
}

}  // namespace

void detail::set_simd_limit(detail::Simd limit) {
#ifdef TERN_INIT_AVX2
  simd_limit = limit;
#else
  (void)limit;
#endif
}

void regenerate(const InitSpec& spec, int64_t begin, int64_t count, float* dst) { regenerate_t(spec, begin, count, dst); }
void regenerate(const InitSpec& spec, int64_t begin, int64_t count, double* dst) { regenerate_t(spec, begin, count, dst); }

void regenerate_into(const InitSpec& spec, Tensor& t) {
  TERN_CHECK(t.is_contiguous() && (t.dtype() == DType::f32 || t.dtype() == DType::f64),
             "regenerate: expected a contiguous f32 or f64 tensor, got ", dtype_name(t.dtype()));
  TERN_CHECK(spec.regenerable(), "regenerate: the parameter has no regenerable initialiser");
  const bool f32 = t.dtype() == DType::f32;
  void* base = t.raw_data();
  parallel_for(t.numel(), 1 << 16, [&](int64_t b, int64_t e) {
    if (f32) regenerate(spec, b, e - b, static_cast<float*>(base) + b);
    else regenerate(spec, b, e - b, static_cast<double*>(base) + b);
  });
}

std::string InitSpec::str() const {
  std::string s = kind_name(kind);
  if (kind == Kind::none) return s;
  // Appends, never literal + std::string&&: GCC 12 warns (-Wrestrict, a false positive).
  s += ' ';
  s += round_trip(a);
  if (kind == Kind::constant) return s;
  s += ' ';
  s += round_trip(b);
  s += " seed ";
  s += std::to_string(seed);
  s += " offset ";
  s += std::to_string(offset);
  return s;
}

InitSpec InitSpec::parse(std::string_view text, std::string_view what) {
  const std::vector<std::string> f = split(text, ' ');
  InitSpec s;
  const std::string w(what);
  if (f.size() == 1 && f[0] == "none") return s;
  if (f.size() == 2 && f[0] == "constant") {
    s.kind = Kind::constant;
    s.a = parse_double(f[1], w + " value");
    return s;
  }
  TERN_CHECK(f.size() == 7 && (f[0] == "uniform" || f[0] == "normal") && f[3] == "seed" && f[5] == "offset", w,
             ": expected 'constant V', 'uniform LO HI seed S offset O' or 'normal MEAN STD seed S offset O', given ",
             quote(text));
  s.kind = f[0] == "uniform" ? Kind::uniform : Kind::normal;
  s.a = parse_double(f[1], w + (s.kind == Kind::uniform ? " low" : " mean"));
  s.b = parse_double(f[2], w + (s.kind == Kind::uniform ? " high" : " std"), {.min = s.kind == Kind::uniform ? s.a : 0});
  s.seed = static_cast<uint64_t>(parse_int(f[4], w + " seed", {.min = 0}));
  s.offset = static_cast<uint64_t>(parse_int(f[6], w + " offset", {.min = 0}));
  return s;
}

InitSpec uniform_(Tensor& t, double lo, double hi) {
  return fill(t, {.kind = InitSpec::Kind::uniform, .a = lo, .b = hi});
}

InitSpec normal_(Tensor& t, double mean, double std) {
  return fill(t, {.kind = InitSpec::Kind::normal, .a = mean, .b = std});
}

InitSpec constant_(Tensor& t, double value) { return fill(t, {.kind = InitSpec::Kind::constant, .a = value}); }

int64_t fan_in(const Tensor& w) {
  TERN_CHECK(w.dim() >= 2, "fan_in: weight needs at least 2 dims, got ", shape_str(w.shape()));
  return w.numel() / w.shape()[0];
}

int64_t fan_out(const Tensor& w) {
  TERN_CHECK(w.dim() >= 2, "fan_out: weight needs at least 2 dims, got ", shape_str(w.shape()));
  return w.numel() / w.shape()[1];
}

InitSpec default_weight_(Tensor& w) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in(w)));
  return uniform_(w, -bound, bound);
}

InitSpec default_bias_(Tensor& b, int64_t fan) {
  const double bound = fan > 0 ? 1.0 / std::sqrt(static_cast<double>(fan)) : 0.0;
  return uniform_(b, -bound, bound);
}

InitSpec kaiming_normal_(Tensor& w, bool use_fan_out) {
  const double fan = static_cast<double>(use_fan_out ? fan_out(w) : fan_in(w));
  return normal_(w, 0.0, std::sqrt(2.0 / fan));
}

InitSpec xavier_uniform_(Tensor& w) {
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in(w) + fan_out(w)));
  return uniform_(w, -bound, bound);
}

}  // namespace tern::nn::init
