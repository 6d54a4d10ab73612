// Shared by the matmul reference kernel and the BLAS kernels.
#pragma once

#include "tern/core/tensor.h"

namespace tern::ops {

// a and b expanded (as views) to a common batch shape: [batch..., m, k] and
// [batch..., k, n].
struct MatmulPlan {
  Shape batch;
  int64_t m = 0, n = 0, k = 0;
  Tensor a, b;
};
MatmulPlan plan_matmul(const Tensor& a, const Tensor& b);

// Element offset of batch entry `i` in a tensor whose leading dims are `batch`.
inline int64_t batch_offset(const Tensor& t, const Shape& batch, int64_t i) {
  int64_t off = t.offset();
  for (int64_t d = static_cast<int64_t>(batch.size()) - 1; d >= 0; --d) {
    off += (i % batch[d]) * t.strides()[d];
    i /= batch[d];
  }
  return off;
}

}  // namespace tern::ops
