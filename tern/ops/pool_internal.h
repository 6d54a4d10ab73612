// Shared by the pooling reference kernels (pool.cc) and the fast CPU kernels
// (tern/ops/cpu/pool_kernels.cc).
#pragma once

#include "tern/ops/op_attrs.h"
#include "tern/ops/op_helpers.h"

namespace tern::ops {

// Geometry of one 2-D pooling call (NCHW input).
struct PoolGeom {
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
};

// Checks the input shape against the attributes; `op` names the op in errors.
PoolGeom pool_geom(const Shape& x, const Pool2dAttrs& a, const char* op);

}  // namespace tern::ops
