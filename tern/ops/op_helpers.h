// Internal helpers for writing ops: defining OpDefs, dtype dispatch, and
// loops. Not part of the public API.
#pragma once

#include <cmath>
#include <initializer_list>

#include "tern/base/parallel.h"
#include "tern/ops/dispatch.h"
#include "tern/ops/ops.h"

namespace tern::ops {

// Declares an op: its inference, gradient, what it saves, and its portable
// reference kernel (priority 0, CPU).
struct OpSpec {
  InferFn infer = nullptr;
  GradFn grad = nullptr;
  uint32_t save_inputs = 0;
  uint32_t save_outputs = 0;
  bool makes_own_outputs = false;
  bool mutates_inputs = false;
  KernelFn reference = nullptr;
  SupportsFn reference_supports = nullptr;
};
void define_op(OpKind kind, const OpSpec& spec);

// Calls body with T = float or double according to dtype; throws otherwise.
#define TERN_FLOAT_SWITCH(dtype, opname, ...)                                          \
  [&] {                                                                                \
    switch (dtype) {                                                                   \
      case ::tern::DType::f32: { using T = float; return __VA_ARGS__(); }              \
      case ::tern::DType::f64: { using T = double; return __VA_ARGS__(); }             \
      default:                                                                         \
        throw ::tern::TypeError(::tern::str_cat(opname, ": expected a f32 or f64 tensor, got ", \
                                                ::tern::dtype_name(dtype)));          \
    }                                                                                  \
  }()

// Same, over every numeric dtype (not f16/bf16).
#define TERN_NUMERIC_SWITCH(dtype, opname, ...)                                        \
  [&] {                                                                                \
    switch (dtype) {                                                                   \
      case ::tern::DType::f32: { using T = float; return __VA_ARGS__(); }              \
      case ::tern::DType::f64: { using T = double; return __VA_ARGS__(); }             \
      case ::tern::DType::i32: { using T = int32_t; return __VA_ARGS__(); }            \
      case ::tern::DType::i64: { using T = int64_t; return __VA_ARGS__(); }            \
      case ::tern::DType::u8: { using T = uint8_t; return __VA_ARGS__(); }             \
      case ::tern::DType::boolean: { using T = bool; return __VA_ARGS__(); }           \
      default:                                                                         \
        throw ::tern::TypeError(::tern::str_cat(opname, ": dtype ",                   \
                                                ::tern::dtype_name(dtype), " not supported")); \
    }                                                                                  \
  }()

// Contiguous copy of any tensor (kernel-level, no dispatch, no autograd).
Tensor contiguous_copy(const Tensor& t);
inline Tensor as_contiguous(const Tensor& t) { return t.is_contiguous() ? t : contiguous_copy(t); }

// Shape helpers shared by ops.
std::vector<int64_t> normalise_dims(const std::vector<int64_t>& dims, int64_t ndim);
Shape reduced_shape(const Shape& in, const std::vector<int64_t>& dims, bool keepdim);

// Checks that `t` is floating point, naming the op.
inline void check_float(const Tensor& t, const char* op) {
  TERN_CHECK_TYPE(t.dtype() == DType::f32 || t.dtype() == DType::f64, op,
                  ": expected a f32 or f64 tensor, got ", dtype_name(t.dtype()));
}

// Runs fn(begin, end) in parallel chunks for elementwise work of n elements.
inline void parallel_elementwise(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  parallel_for(n, 32768, fn);
}

// The op registration functions of each family (registry.cc calls them).
void register_creation_ops();
void register_elementwise_ops();
void register_reduce_ops();
void register_movement_ops();
void register_indexing_ops();
void register_linalg_ops();
void register_conv_ops();
void register_pool_ops();
void register_norm_ops();
void register_loss_ops();

}  // namespace tern::ops
