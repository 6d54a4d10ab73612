// Shared by the conv2d reference kernels and the fast CPU kernels.
#pragma once

#include "tern/ops/op_attrs.h"

namespace tern::ops {

// Geometry of one conv2d call (NCHW input, OIHW weight).
struct ConvGeom {
  int64_t n, c, h, w;      // input
  int64_t oc, kh, kw;      // weight: [oc, c / groups, kh, kw]
  int64_t oh, ow;          // output
  int64_t sh, sw, ph, pw, dh, dw, groups;
};
// Checks the shapes against the attributes; throws a ValueError naming the problem.
ConvGeom conv_geom(const Shape& x, const Shape& w, const Conv2dAttrs& a);

}  // namespace tern::ops
