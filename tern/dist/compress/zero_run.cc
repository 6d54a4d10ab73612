#include "tern/dist/compress/zero_run.h"

#include <cstring>

namespace tern::dist::compress::threelc {

uint8_t* put_run(uint8_t* out, int64_t len) {
  if (len == 1) {
    *out++ = kZeroGroup;
    return out;
  }
  const int64_t full = len / kMaxRun;
  if (full > 0) {
    std::memset(out, kRunBase + kMaxRun, static_cast<size_t>(full));
    out += full;
  }
  const int64_t r = len % kMaxRun;
  if (r >= 2) *out++ = static_cast<uint8_t>(kRunBase + r);
  if (r == 1) *out++ = kZeroGroup;
  return out;
}

void RunEncoder::feed(const uint8_t* g, int64_t m) {
  constexpr uint64_t kZeros8 = 0x7979797979797979ull;  // eight 121 bytes
  int64_t i = 0;
  while (i < m) {
    if (g[i] == kZeroGroup) {
      int64_t j = i + 1;
      // Long zero runs are the common case at high sparsity: skip 8 at a time.
      for (uint64_t v; j + 8 <= m && (std::memcpy(&v, g + j, 8), v == kZeros8);) j += 8;
      while (j < m && g[j] == kZeroGroup) ++j;
      run_ += j - i;
      i = j;
      continue;
    }
    if (!any_) {
      head_ = run_;
      any_ = true;
      b_ = w_ = out_ + head_;
    } else if (run_ > 0) {
      w_ = put_run(w_, run_);
    }
    run_ = 0;
    *w_++ = g[i++];
  }
}

int64_t count_groups(const uint8_t* bytes, int64_t len) {
  // Every byte is one group, run bytes b stand for b-241 = 1 + (b-242).
  int64_t extra = 0;
  for (int64_t k = 0; k < len; ++k) {
    const int b = bytes[k];
    extra += b > 242 ? b - 242 : 0;
  }
  return len + extra;
}

}  // namespace tern::dist::compress::threelc
