#include "tern/distributed/compress/zero_run.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace tern::distributed::compress::threelc {

uint8_t* put_run_long(uint8_t* out, int64_t len) {
  const int64_t full = len / kMaxRun;
  std::memset(out, kRunBase + kMaxRun, static_cast<size_t>(full));
  return put_run(out + full, len % kMaxRun);
}

void RunEncoder::feed(const uint8_t* g, int64_t m, uint64_t (*mask64)(const uint8_t*)) {
  // Zero runs are the gaps between non-zero groups: find those with a
  // 64-bit mask per 64 bytes and jump from one to the next. State lives in
  // locals: byte stores through w would otherwise force the compiler to
  // reload the members after each one (uint8_t aliases everything).
  uint8_t* w = w_;
  int64_t run = run_;
  bool any = any_;
  for (int64_t base = 0; base < m; base += 64) {
    const int64_t len = std::min<int64_t>(64, m - base);
    uint64_t mask = len == 64 ? mask64(g + base) : nonzero_mask_scalar(g + base, len);
    int64_t pos = 0;
    while (mask != 0) {
      const int p = std::countr_zero(mask);
      mask &= mask - 1;
      run += p - pos;
      pos = p + 1;
      if (any) [[likely]] {
        w = put_run(w, run);
      } else {
        head_ = run;
        any = true;
        b_ = w = out_ + run;
      }
      run = 0;
      *w++ = g[base + p];
    }
    run += len - pos;
  }
  w_ = w;
  run_ = run;
  any_ = any;
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

}  // namespace tern::distributed::compress::threelc
