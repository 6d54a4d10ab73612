// Typed views of the attributes of the ops with many positional ones. Attrs
// (opdef.h) stays the one generic form that dispatch() takes and the graph
// IR stores, hashes and prints; these structs name its fields once, for the
// op definitions, the kernels, the ONNX exporter and callers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tern/ops/opdef.h"

namespace tern {

// conv2d: ints = {stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups}.
struct Conv2dAttrs {
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1, groups = 1;

  static constexpr size_t kInts = 7;
  static Conv2dAttrs from(const Attrs& a);  // reads ints[0, 7); throws on fewer
  Attrs to_attrs() const;
};

// conv2d_grad_input: conv2d's ints ++ the input's shape {N, C, H, W};
// conv2d_grad_weight: conv2d's ints ++ the weight's shape {OC, C / groups, kH, kW}.
struct Conv2dGradAttrs {
  Conv2dAttrs conv;
  Shape shape;  // of the tensor whose gradient the op returns

  static Conv2dGradAttrs from(const Attrs& a);
  Attrs to_attrs() const;
};

// max_pool2d, avg_pool2d: ints = {kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w}.
struct Pool2dAttrs {
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;

  static constexpr size_t kInts = 6;
  static Pool2dAttrs from(const Attrs& a);
  Attrs to_attrs() const;
};

// max_pool2d_grad, avg_pool2d_grad: the pooling's ints ++ the input's shape {N, C, H, W}.
struct Pool2dGradAttrs {
  Pool2dAttrs pool;
  Shape input;

  static Pool2dGradAttrs from(const Attrs& a);
  Attrs to_attrs() const;
};

}  // namespace tern
