#include "tern/ops/op_attrs.h"

namespace tern {

Conv2dAttrs Conv2dAttrs::from(const Attrs& a) {
  TERN_CHECK(a.ints.size() >= kInts, "conv2d: missing attributes (expected ", kInts,
             " ints: stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups; got ", a.ints.size(), ")");
  return {a.ints[0], a.ints[1], a.ints[2], a.ints[3], a.ints[4], a.ints[5], a.ints[6]};
}

Attrs Conv2dAttrs::to_attrs() const {
  return Attrs{{stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups}, {}};
}

Conv2dGradAttrs Conv2dGradAttrs::from(const Attrs& a) {
  return {Conv2dAttrs::from(a), a.shape_at(Conv2dAttrs::kInts, 4)};
}

Attrs Conv2dGradAttrs::to_attrs() const {
  Attrs a = conv.to_attrs();
  a.ints.insert(a.ints.end(), shape.begin(), shape.end());
  return a;
}

Pool2dAttrs Pool2dAttrs::from(const Attrs& a) {
  return {a.i(0), a.i(1), a.i(2), a.i(3), a.i(4), a.i(5)};
}

Attrs Pool2dAttrs::to_attrs() const { return Attrs{{kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w}, {}}; }

Pool2dGradAttrs Pool2dGradAttrs::from(const Attrs& a) {
  return {Pool2dAttrs::from(a), a.shape_at(Pool2dAttrs::kInts, 4)};
}

Attrs Pool2dGradAttrs::to_attrs() const {
  Attrs a = pool.to_attrs();
  a.ints.insert(a.ints.end(), input.begin(), input.end());
  return a;
}

}  // namespace tern
