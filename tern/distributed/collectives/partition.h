// How reduce-scatter and all-gather cut a buffer of n elements among p ranks:
// block r starts at block_offset(n, p, r) and has block_count(n, p, r)
// elements; the first n % p blocks hold one element more. Any n >= 0 works,
// including n < p (then some blocks are empty).
#pragma once

#include <algorithm>
#include <cstdint>

namespace tern::distributed::collectives {

inline int64_t block_count(int64_t n, int parts, int r) { return n / parts + (r < n % parts ? 1 : 0); }
inline int64_t block_offset(int64_t n, int parts, int r) {
  return r * (n / parts) + std::min<int64_t>(r, n % parts);
}

}  // namespace tern::distributed::collectives
