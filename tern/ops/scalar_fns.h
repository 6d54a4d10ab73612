// The element-wise formulas, one inline template per op of the unary, scalar
// and binary families of ops.def, and the comparisons. Both the reference
// kernels (elementwise.cc) and the fused loops of staged graphs
// (tern/graph/fusion.cc) call these inside their loops, so each formula is
// written once and a fused run gives the eager op's values. A name here is
// the op's name in ops.def (fusion.cc generates its cases from that).
#pragma once

#include <cmath>
#include <type_traits>

#include "tern/ops/vector_math.h"

namespace tern::ops::scalar {

// --- unary (float T) ---------------------------------------------------------
template <typename T> inline T neg(T x) { return -x; }
// float exp and tanh: vector_math.h's, which loops vectorise (libm's are calls).
template <typename T> inline T exp(T x) {
  if constexpr (std::is_same_v<T, float>) return vmath::exp(x);
  else return std::exp(x);
}
template <typename T> inline T log(T x) { return std::log(x); }
template <typename T> inline T sqrt(T x) { return std::sqrt(x); }
template <typename T> inline T abs(T x) { return std::abs(x); }
template <typename T> inline T tanh(T x) {
  if constexpr (std::is_same_v<T, float>) return vmath::tanh(x);
  else return std::tanh(x);
}
template <typename T> inline T sigmoid(T x) { return T(1) / (T(1) + std::exp(-x)); }
template <typename T> inline T relu(T x) { return x > T(0) ? x : T(0); }
template <typename T> inline T sin(T x) { return std::sin(x); }
template <typename T> inline T cos(T x) { return std::cos(x); }

// --- with a scalar attribute (float T, the scalar in double) -----------------
template <typename T> inline T add_scalar(T x, double s) { return static_cast<T>(x + s); }
template <typename T> inline T mul_scalar(T x, double s) { return static_cast<T>(x * s); }
template <typename T> inline T pow_scalar(T x, double p) { return static_cast<T>(std::pow(x, p)); }
// pow_scalar with p == 2, which callers test once per call, not per element.
template <typename T> inline T square(T x) { return x * x; }

// --- binary (any numeric T) ---------------------------------------------------
template <typename T> inline T add(T x, T y) { return static_cast<T>(x + y); }
template <typename T> inline T sub(T x, T y) { return static_cast<T>(x - y); }
template <typename T> inline T mul(T x, T y) {
  if constexpr (std::is_same_v<T, bool>) return x && y;  // bool * bool would warn
  else return static_cast<T>(x * y);
}
template <typename T> inline T div(T x, T y) { return static_cast<T>(x / y); }
template <typename T> inline T maximum(T x, T y) { return x > y ? x : y; }
template <typename T> inline T minimum(T x, T y) { return x < y ? x : y; }

// --- comparisons (any numeric T, bool out) -----------------------------------
template <typename T> inline bool eq(T x, T y) { return x == y; }
template <typename T> inline bool ne(T x, T y) { return x != y; }
template <typename T> inline bool lt(T x, T y) { return x < y; }
template <typename T> inline bool le(T x, T y) { return x <= y; }
template <typename T> inline bool gt(T x, T y) { return x > y; }
template <typename T> inline bool ge(T x, T y) { return x >= y; }

// relu's gradient: g where the output y is positive.
template <typename T> inline T relu_grad(T g, T y) { return y > T(0) ? g : T(0); }

}  // namespace tern::ops::scalar
