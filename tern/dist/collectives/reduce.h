// The reduction the collectives apply: element-wise sum.
#pragma once

#include <cstddef>
#include <span>

namespace tern::dist {

// dst[i] += src[i]; the spans have the same length and do not overlap.
template <typename T>
inline void sum_into(std::span<T> dst, std::span<const T> src) {
  T* __restrict d = dst.data();
  const T* __restrict s = src.data();
  const size_t n = dst.size();
  for (size_t i = 0; i < n; ++i) d[i] += s[i];
}

}  // namespace tern::dist
