// Zero-run encoding of 3LC group bytes (step 5 of the format): a run of
// L >= 2 all-zero groups (byte 121) becomes floor(L/14) bytes 255, then
// byte 241+r for a remainder r >= 2 or byte 121 for r = 1.
//
// RunEncoder works on one chunk of groups so that chunks can be encoded by
// different threads; stitch() joins them into the stream a single pass would
// have written, because zero runs that cross chunk boundaries are kept open
// (head and tail) until the stitch.
#pragma once

#include <cstdint>
#include <span>

#include "tern/distributed/compress/threelc_kernels.h"

namespace tern::distributed::compress::threelc {

// Writes the encoding of a run of `len` zero groups at out; returns the end.
uint8_t* put_run_long(uint8_t* out, int64_t len);
inline uint8_t* put_run(uint8_t* out, int64_t len) {
  if (len >= kMaxRun) return put_run_long(out, len);
  if (len >= 2) *out++ = static_cast<uint8_t>(kRunBase + len);
  else if (len == 1) *out++ = kZeroGroup;
  return out;
}

class RunEncoder {
 public:
  // `out` is the chunk's own region with room for one byte per group. The
  // body starts at out + head(): the bytes a stitch writes before it (the
  // runs up to this chunk's first non-zero group) then never overwrite it.
  explicit RunEncoder(uint8_t* out) : out_(out), w_(out) {}

  // Encodes m more group bytes; mask64 is the kernel's nonzero_mask64.
  void feed(const uint8_t* groups, int64_t m, uint64_t (*mask64)(const uint8_t*));

  // Zero groups before the first non-zero group (all of them if none).
  int64_t head() const { return any_ ? head_ : run_; }
  // Zero groups after the last non-zero group (0 if the chunk is all zero).
  int64_t tail() const { return any_ ? run_ : 0; }
  bool any() const { return any_; }
  // The encoded bytes between the head and the tail runs.
  std::span<const uint8_t> body() const {
    if (!any_) return {};
    return {b_, static_cast<size_t>(w_ - b_)};
  }

 private:
  uint8_t* out_;
  uint8_t* w_;
  uint8_t* b_ = nullptr;
  int64_t head_ = 0;
  int64_t run_ = 0;
  bool any_ = false;
};

// Number of groups a stream's bytes stand for (literals count 1, run bytes
// 243..255 count 2..14).
int64_t count_groups(const uint8_t* bytes, int64_t len);

}  // namespace tern::distributed::compress::threelc
