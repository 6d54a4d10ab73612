// Shared by the matmul reference kernel and the BLAS kernels.
#pragma once

#include "tern/core/tensor.h"

namespace tern::ops_internal {

// a and b expanded (as views) to a common batch shape: [batch..., m, k] and
// [batch..., k, n].
struct MatmulPlan {
  Shape batch;
  int64_t m = 0, n = 0, k = 0;
  Tensor a, b;
};
MatmulPlan plan_matmul(const Tensor& a, const Tensor& b);

void register_blas_kernels();

}  // namespace tern::ops_internal
