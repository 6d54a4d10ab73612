// The sum, mean and batch-norm kernels of tern_ops (reduce_internal.h,
// norm_internal.h) instantiated with SimdRows: their per-row sums run under
// `omp simd`. Same inputs and outputs as the reference; every dtype the
// reference takes, so no supports() predicate.
#include "tern/ops/cpu/cpu_kernels.h"
#include "tern/ops/cpu/simd_rows.h"
#include "tern/ops/norm_internal.h"
#include "tern/ops/reduce_internal.h"

namespace tern::ops::cpu {

void register_simd_kernels() {
  register_kernel(OpKind::sum, DeviceType::cpu, {"simd", 10, nullptr, sum_kernel<SimdRows>});
  register_kernel(OpKind::mean, DeviceType::cpu, {"simd", 10, nullptr, mean_kernel<SimdRows>});
  register_kernel(OpKind::batch_norm, DeviceType::cpu, {"simd", 10, nullptr, batch_norm_kernel<SimdRows>});
  register_kernel(OpKind::batch_norm_grad, DeviceType::cpu, {"simd", 10, nullptr, batch_norm_grad_kernel<SimdRows>});
}

}  // namespace tern::ops::cpu
