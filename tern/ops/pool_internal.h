// Shared by the pooling reference kernels (pool.cc) and the fast CPU kernels
// (tern/ops/cpu/pool_kernels.cc).
#pragma once

#include "tern/ops/op_helpers.h"

namespace tern::ops {

// Geometry of one 2-D pooling call (NCHW input).
struct PoolGeom {
  int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow;
};

// attrs.ints = {kh, kw, sh, sw, ph, pw}; `op` names the op in errors.
PoolGeom pool_geom(const Shape& x, const Attrs& a, const char* op);

}  // namespace tern::ops
