// The hot loops of 3LC, in three builds of the same arithmetic: portable
// scalar, AVX2 and AVX-512 (x86 only, compiled with per-function target
// attributes so the default build stays portable). The path is picked at run
// time from what the CPU supports; tests and benchmarks can force one.
// Every path produces bit-identical error buffers and group bytes: the
// arithmetic is one float add, exact doublings, compares and exact Sterbenz
// subtractions, and the maximum is taken on integer bit patterns.
#pragma once

#include <cstdint>
#include <cstring>

namespace tern::distributed::compress::threelc {

enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

const char* isa_name(Isa isa);
Isa parse_isa(const char* name);  // "scalar" | "avx2" | "avx512" | "auto"; throws ValueError
bool isa_supported(Isa isa);
Isa best_isa();
// The path in use: best_isa() unless forced. Forcing an unsupported path
// throws tern::ValueError.
Isa active_isa();
void force_isa(Isa isa);
void unforce_isa();

// Value of an all-zero group (every digit 1) and the bytes of zero runs.
inline constexpr uint8_t kZeroGroup = 121;
inline constexpr int kMaxRun = 14;  // byte 255
inline constexpr int kRunBase = 241;  // byte 241+r is a run of r = 2..14 groups

struct Kernels {
  // max_i of the bit pattern of |x_i + e_i| (a float's magnitude orders like
  // its bits; NaN compares above infinity, so the caller detects both).
  uint32_t (*max_abs_bits)(const float* x, const float* e, int64_t n);
  // For n (a multiple of 5) elements: y = x + e; digit = 2 if 2y >= S,
  // 0 if 2y <= -S, else 1; e = y - S*(digit-1); groups[g] = base-3 value of
  // digits 5g..5g+4, first digit most significant. S must be > 0 and finite
  // (S = +inf quantises everything to zero and leaves e = y).
  void (*quantize)(const float* x, float* e, int64_t n, float S, uint8_t* groups);
  // Expands stream bytes (literals and runs, already validated) into dst
  // elements [5*g0, limit), where the bytes start at group g0. lut[b] holds the
  // five values of group b, padded to 8 floats. Never writes at or past limit.
  void (*expand)(const uint8_t* bytes, int64_t len, const float (*lut)[8], float* dst, int64_t g0,
                 int64_t limit);
  // Bit k set iff p[k] != 121 (a non-zero group), for 64 bytes at p: lets
  // the zero-run encoder jump from one non-zero group to the next.
  uint64_t (*nonzero_mask64)(const uint8_t* p);
};

const Kernels& kernels(Isa isa);

// Portable helpers shared by every path.
uint64_t nonzero_mask_scalar(const uint8_t* p, int64_t len);  // len <= 64
void build_lut(float S, float (*lut)[8]);  // 243 rows
// Combines five digit bytes at p (0..2 each; reads 8 bytes) into a group byte.
inline uint8_t combine5(const uint8_t* p) {
  // Byte 4 of (digits as a little-endian u64) * (1, 3, 9, 27, 81 as bytes) is
  // d0*81 + d1*27 + d2*9 + d3*3 + d4; lower bytes stay < 81 so nothing
  // carries into it, and bytes 5..7 only affect higher bytes.
  uint64_t v;
  std::memcpy(&v, p, 8);
  return static_cast<uint8_t>((v * 0x511B090301ull) >> 32);
}

}  // namespace tern::distributed::compress::threelc
