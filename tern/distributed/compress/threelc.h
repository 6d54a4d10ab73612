// 3LC (Lim, Andersen, Kaminsky, "3LC: Lightweight and Effective Traffic
// Compression for Distributed Machine Learning", SysML 2019): 3-value
// quantization with sparsity multiplication and error feedback, base-3^5
// encoding of five values per byte, and zero-run encoding.
//
// Stream (byte-exact, see README.md): little-endian float32 S, then one byte
// per group of five values, b = sum_j (q_{5g+j} + 1) * 3^(4-j) in 0..242,
// where runs of L >= 2 all-zero groups (121) are written as floor(L/14)
// bytes 255 and byte 241+r (r >= 2) or 121 (r = 1) for the remainder.
//
// Large tensors are encoded and decoded by tern::num_threads() threads; the
// stream does not depend on the thread count or on the instruction set.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tern::distributed::compress::threelc {

struct Options {
  float sparsity = 1.0f;  // s in [1, 2): S = max|y| * s; larger s, more zeros
  bool zero_run = true;   // step 5; decoders accept streams with or without it
};

// Encodes src with the error-feedback buffer `error` (same length, updated
// in place: e = y - S*q) and replaces out with the stream. Throws
// tern::ValueError (leaving error untouched) if x + e holds a NaN or an
// infinity, or if S overflows.
void encode(std::span<const float> src, std::span<float> error, const Options& opt,
            std::vector<uint8_t>& out);

// Decodes a stream for dst.size() elements. Throws tern::ValueError on a
// stream that is truncated, too long, has a bad S or non-zero padding.
void decode(std::span<const uint8_t> stream, std::span<float> dst);

// Largest stream for n elements: 4 + ceil(n/5).
inline int64_t max_stream_size(int64_t n) { return 4 + (n + 4) / 5; }

}  // namespace tern::distributed::compress::threelc
