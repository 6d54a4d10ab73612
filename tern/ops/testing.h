// Small helpers for GoogleTest suites across the project (header-only, tests only).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "tern/ops/ops.h"

namespace tern::testing {

// True if both tensors hold the same elements, bit for bit, in logical order.
inline bool bit_equal(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Tensor ca = contiguous(a), cb = contiguous(b);
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.nbytes()) == 0;
}

// The message of the E thrown by f(); records a failure if none is thrown.
template <typename E = Error, typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace tern::testing
