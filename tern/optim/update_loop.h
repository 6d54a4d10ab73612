// Helpers for the fused update loops: pick float/double from the parameter's
// dtype, and split a flat loop over threads. Internal to tern::optim.
#pragma once

#include <cstdint>
#include <type_traits>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/core/dtype.h"

namespace tern::optim::detail {

// Below this many elements a loop runs on the calling thread: starting the
// thread team costs more than the work (measured in optim_speed).
inline constexpr int64_t kGrain = 1 << 14;

// Calls body.template operator()<T>() with T = float or double.
template <typename Body>
void float_switch(DType dtype, const char* who, Body&& body) {
  switch (dtype) {
    case DType::f32: body.template operator()<float>(); return;
    case DType::f64: body.template operator()<double>(); return;
    default:
      throw TypeError(str_cat(who, ": parameters must be f32 or f64, got ", dtype_name(dtype)));
  }
}

// Calls f(std::true_type{}) or f(std::false_type{}): turns a flag into a
// compile-time constant, so each loop variant is branch-free and vectorises
// (GCC at -O2 does not unswitch loops).
template <typename F>
void bool_switch(bool b, F&& f) {
  if (b) f(std::true_type{});
  else f(std::false_type{});
}

// The value of a bool_switch constant, however it was captured.
template <typename C>
inline constexpr bool flag_v = std::remove_cvref_t<C>::value;

// Runs fn(begin, end) over [0, n), in parallel when n is large. Each element
// is touched by exactly one chunk, so results do not depend on thread count.
template <typename Fn>
void parallel_range(int64_t n, Fn&& fn) {
  if (n < 2 * kGrain) {
    fn(int64_t{0}, n);
    return;
  }
  parallel_for(n, kGrain, fn);
}

}  // namespace tern::optim::detail
