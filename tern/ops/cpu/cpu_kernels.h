// tern_ops_cpu: the fast CPU kernels, one kernel provider ("cpu") for the op
// registry (tern/ops/kernel_provider.h). Each registers with a priority
// above the reference kernel's and a supports() predicate; op_db's
// KernelsAgreeWithReference checks every one against the reference.
#pragma once

namespace tern::ops::cpu {

// The library's entry point: registers all its kernels. provider.cc hands
// it to the registry; a program never needs to call it.
void register_kernels();

// Its parts, one per file (called only by register_kernels).
void register_blas_kernels();    // blas_kernels.cc: matmul, linear (oneDNN sgemm f32, OpenBLAS f64)
void register_im2col_kernels();  // conv_im2col.cc: conv2d and its gradients, im2col + OpenBLAS sgemm (f32)
void register_dnnl_kernels();    // dnnl_conv.cc: conv2d and its gradients, oneDNN primitives (f32)
void register_pool_kernels();    // pool_kernels.cc: 2x2 stride-2 max pooling (f32)
void register_simd_kernels();    // simd_kernels.cc: sum, mean, batch norm and its gradient, `omp simd` rows

}  // namespace tern::ops::cpu
