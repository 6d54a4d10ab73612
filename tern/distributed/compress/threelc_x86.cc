// AVX2 and AVX-512 builds of the 3LC kernels. Each function carries its own
// target attribute, so this file compiles with the default (portable) flags
// and the code only runs after threelc_kernels.cc checked the CPU.
#include "tern/distributed/compress/threelc_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

// GCC 12 warns about the deliberately undefined lanes inside its own
// AVX-512 intrinsic headers (_mm512_undefined_*); the warning is spurious.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace tern::distributed::compress::threelc {

namespace {

// spread[m] puts bit k of m into byte k: turns an 8-lane compare mask into
// eight 0/1 digit bytes.
struct SpreadTable {
  uint64_t v[256];
  constexpr SpreadTable() : v() {
    for (int m = 0; m < 256; ++m) {
      uint64_t s = 0;
      for (int k = 0; k < 8; ++k) s |= uint64_t((m >> k) & 1) << (8 * k);
      v[m] = s;
    }
  }
};
constexpr SpreadTable kSpread;
constexpr uint64_t kOnes = 0x0101010101010101ull;

// Groups left over after the vector loop go through the scalar definition.
void quantize_tail(const float* x, float* e, int64_t n, float S, uint8_t* groups) {
  uint8_t digits[8] = {};
  for (int64_t i = 0; i < n; i += 5) {
    for (int j = 0; j < 5; ++j) {
      const float y = x[i + j] + e[i + j];
      const float y2 = y + y;
      const int q = y2 >= S ? 1 : (y2 <= -S ? -1 : 0);
      e[i + j] = q > 0 ? y - S : (q < 0 ? y + S : y);
      digits[j] = static_cast<uint8_t>(q + 1);
    }
    groups[i / 5] = combine5(digits);
  }
}

// ---- AVX2: 40 floats (5 vectors of 8) make 8 groups -----------------------

__attribute__((target("avx2"))) uint32_t max_abs_bits_avx2(const float* x, const float* e, int64_t n) {
  const __m256i mask = _mm256_set1_epi32(0x7fffffff);
  __m256i m0 = _mm256_setzero_si256(), m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 y0 = _mm256_add_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(e + i));
    const __m256 y1 = _mm256_add_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(e + i + 8));
    const __m256 y2 = _mm256_add_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(e + i + 16));
    const __m256 y3 = _mm256_add_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(e + i + 24));
    m0 = _mm256_max_epu32(m0, _mm256_and_si256(_mm256_castps_si256(y0), mask));
    m1 = _mm256_max_epu32(m1, _mm256_and_si256(_mm256_castps_si256(y1), mask));
    m2 = _mm256_max_epu32(m2, _mm256_and_si256(_mm256_castps_si256(y2), mask));
    m3 = _mm256_max_epu32(m3, _mm256_and_si256(_mm256_castps_si256(y3), mask));
  }
  m0 = _mm256_max_epu32(_mm256_max_epu32(m0, m1), _mm256_max_epu32(m2, m3));
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), m0);
  uint32_t m = 0;
  for (uint32_t v : lanes) m = std::max(m, v);
  for (; i < n; ++i) {
    const float y = x[i] + e[i];
    uint32_t u;
    std::memcpy(&u, &y, 4);
    m = std::max(m, u & 0x7fffffffu);
  }
  return m;
}

__attribute__((target("avx2"))) void quantize_avx2(const float* x, float* e, int64_t n, float S,
                                                    uint8_t* groups) {
  const __m256 s = _mm256_set1_ps(S), neg_s = _mm256_set1_ps(-S);
  uint8_t digits[40 + 8];
  int64_t i = 0;
  for (; i + 40 <= n; i += 40) {
    for (int k = 0; k < 5; ++k) {
      const __m256 y = _mm256_add_ps(_mm256_loadu_ps(x + i + 8 * k), _mm256_loadu_ps(e + i + 8 * k));
      const __m256 y2 = _mm256_add_ps(y, y);
      const __m256 gt = _mm256_cmp_ps(y2, s, _CMP_GE_OQ);
      const __m256 lt = _mm256_cmp_ps(y2, neg_s, _CMP_LE_OQ);
      // e = y - S where q = 1, y + S where q = -1, y elsewhere.
      const __m256 shift = _mm256_or_ps(_mm256_and_ps(gt, s), _mm256_and_ps(lt, neg_s));
      const __m256 en = _mm256_blendv_ps(y, _mm256_sub_ps(y, shift), _mm256_or_ps(gt, lt));
      _mm256_storeu_ps(e + i + 8 * k, en);
      const uint64_t d = kOnes + kSpread.v[_mm256_movemask_ps(gt)] - kSpread.v[_mm256_movemask_ps(lt)];
      std::memcpy(digits + 8 * k, &d, 8);
    }
    for (int g = 0; g < 8; ++g) groups[i / 5 + g] = combine5(digits + 5 * g);
  }
  quantize_tail(x + i, e + i, n - i, S, groups + i / 5);
}

__attribute__((target("avx2"))) void expand_avx2(const uint8_t* bytes, int64_t len,
                                                  const float (*lut)[8], float* dst, int64_t g0,
                                                  int64_t limit) {
  int64_t at = 5 * g0;
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t k = 0; k < len && at < limit; ++k) {
    const uint8_t b = bytes[k];
    if (b < 243) {
      if (at + 8 <= limit) {
        // 8-float store: the 3 extra lanes are overwritten by the next group.
        _mm256_storeu_ps(dst + at, _mm256_loadu_ps(lut[b]));
      } else {
        std::memcpy(dst + at, lut[b], std::min<int64_t>(5, limit - at) * sizeof(float));
      }
      at += 5;
    } else {
      const int64_t want = 5 * int64_t{b - kRunBase};
      const int64_t m = std::min(want, limit - at);
      int64_t j = 0;
      for (; j + 8 <= m; j += 8) _mm256_storeu_ps(dst + at + j, zero);
      for (; j < m; ++j) dst[at + j] = 0.0f;
      at += want;
    }
  }
}

__attribute__((target("avx2"))) uint64_t nonzero_mask64_avx2(const uint8_t* p) {
  const __m256i zero_group = _mm256_set1_epi8(static_cast<char>(kZeroGroup));
  const uint32_t lo = static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), zero_group)));
  const uint32_t hi = static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32)), zero_group)));
  return ~(uint64_t{hi} << 32 | lo);
}

// ---- AVX-512: 80 floats (5 vectors of 16) make 16 groups ------------------

__attribute__((target("avx512f"))) uint32_t max_abs_bits_avx512(const float* x, const float* e,
                                                                 int64_t n) {
  const __m512i mask = _mm512_set1_epi32(0x7fffffff);
  __m512i m0 = _mm512_setzero_si512(), m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512 y0 = _mm512_add_ps(_mm512_loadu_ps(x + i), _mm512_loadu_ps(e + i));
    const __m512 y1 = _mm512_add_ps(_mm512_loadu_ps(x + i + 16), _mm512_loadu_ps(e + i + 16));
    const __m512 y2 = _mm512_add_ps(_mm512_loadu_ps(x + i + 32), _mm512_loadu_ps(e + i + 32));
    const __m512 y3 = _mm512_add_ps(_mm512_loadu_ps(x + i + 48), _mm512_loadu_ps(e + i + 48));
    m0 = _mm512_max_epu32(m0, _mm512_and_si512(_mm512_castps_si512(y0), mask));
    m1 = _mm512_max_epu32(m1, _mm512_and_si512(_mm512_castps_si512(y1), mask));
    m2 = _mm512_max_epu32(m2, _mm512_and_si512(_mm512_castps_si512(y2), mask));
    m3 = _mm512_max_epu32(m3, _mm512_and_si512(_mm512_castps_si512(y3), mask));
  }
  m0 = _mm512_max_epu32(_mm512_max_epu32(m0, m1), _mm512_max_epu32(m2, m3));
  uint32_t m = _mm512_reduce_max_epu32(m0);
  for (; i < n; ++i) {
    const float y = x[i] + e[i];
    uint32_t u;
    std::memcpy(&u, &y, 4);
    m = std::max(m, u & 0x7fffffffu);
  }
  return m;
}

__attribute__((target("avx512f"))) void quantize_avx512(const float* x, float* e, int64_t n, float S,
                                                         uint8_t* groups) {
  const __m512 s = _mm512_set1_ps(S), neg_s = _mm512_set1_ps(-S);
  const __m512i one = _mm512_set1_epi32(1);
  uint8_t digits[80 + 8];
  int64_t i = 0;
  for (; i + 80 <= n; i += 80) {
    for (int k = 0; k < 5; ++k) {
      const __m512 y = _mm512_add_ps(_mm512_loadu_ps(x + i + 16 * k), _mm512_loadu_ps(e + i + 16 * k));
      const __m512 y2 = _mm512_add_ps(y, y);
      const __mmask16 gt = _mm512_cmp_ps_mask(y2, s, _CMP_GE_OQ);
      const __mmask16 lt = _mm512_cmp_ps_mask(y2, neg_s, _CMP_LE_OQ);
      __m512 en = _mm512_mask_sub_ps(y, gt, y, s);
      en = _mm512_mask_add_ps(en, lt, y, s);
      _mm512_storeu_ps(e + i + 16 * k, en);
      __m512i d = _mm512_mask_add_epi32(one, gt, one, one);
      d = _mm512_mask_sub_epi32(d, lt, d, one);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(digits + 16 * k), _mm512_cvtepi32_epi8(d));
    }
    for (int g = 0; g < 16; ++g) groups[i / 5 + g] = combine5(digits + 5 * g);
  }
  quantize_tail(x + i, e + i, n - i, S, groups + i / 5);
}

__attribute__((target("avx512f,avx512bw"))) uint64_t nonzero_mask64_avx512(const uint8_t* p) {
  return _mm512_cmpneq_epi8_mask(_mm512_loadu_si512(p), _mm512_set1_epi8(static_cast<char>(kZeroGroup)));
}

const Kernels kAvx2{max_abs_bits_avx2, quantize_avx2, expand_avx2, nonzero_mask64_avx2};
// Decoding is store-bound; the AVX2 expansion already moves a group per store.
const Kernels kAvx512{max_abs_bits_avx512, quantize_avx512, expand_avx2, nonzero_mask64_avx512};

}  // namespace

const Kernels& avx2_kernels() { return kAvx2; }
const Kernels& avx512_kernels() { return kAvx512; }

}  // namespace tern::distributed::compress::threelc

#endif
