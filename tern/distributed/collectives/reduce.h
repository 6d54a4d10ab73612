// The reduction the collectives apply: element-wise sum.
#pragma once

#include <cstddef>
#include <span>

#include "tern/core/half.h"
#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::collectives {

// dst[i] += src[i]; the spans have the same length and do not overlap.
template <typename T>
inline void sum_into(std::span<T> dst, std::span<const T> src) {
  T* __restrict d = dst.data();
  const T* __restrict s = src.data();
  const size_t n = dst.size();
  for (size_t i = 0; i < n; ++i) d[i] += s[i];
}

// comm::Half precision on the wire: added in float, rounded to nearest even once
// per hop (as NCCL's fp16 sums do).
template <>
inline void sum_into<comm::Half>(std::span<comm::Half> dst, std::span<const comm::Half> src) {
  const size_t n = dst.size();
  for (size_t i = 0; i < n; ++i) dst[i].bits = float_to_half(half_to_float(dst[i].bits) + half_to_float(src[i].bits));
}

}  // namespace tern::distributed::collectives
