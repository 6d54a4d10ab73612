// GEMM kernels for matmul and linear. f32 goes to oneDNN's sgemm, which picks
// AVX-512 / AVX2 code at run time (about 2x OpenBLAS's Haswell kernels on
// this project's machines, where OPENBLAS_CORETYPE pins OpenBLAS to Haswell);
// f64 goes to OpenBLAS. Strided operands are passed to GEMM as transposed when
// their layout allows, so a transpose() view costs no copy.
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>

#include "tern/ops/cpu/cpu_kernels.h"
#include "tern/ops/linalg_internal.h"
#include "tern/ops/op_helpers.h"

namespace tern::ops::cpu {
namespace {

// How a 2-D strided matrix (rows r, cols c) is handed to BLAS.
struct BlasOperand {
  bool ok = false;
  CBLAS_TRANSPOSE trans = CblasNoTrans;
  int64_t ld = 0;
};

BlasOperand describe(int64_t rows, int64_t cols, int64_t s0, int64_t s1) {
  if (s1 == 1 && (s0 >= std::max<int64_t>(cols, 1) || rows == 1)) return {true, CblasNoTrans, std::max<int64_t>(s0, std::max<int64_t>(cols, 1))};
  if (s0 == 1 && (s1 >= std::max<int64_t>(rows, 1) || cols == 1)) return {true, CblasTrans, std::max<int64_t>(s1, std::max<int64_t>(rows, 1))};
  return {};
}

template <typename T>
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    const dnnl_status_t st = dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N', m, n, k, 1.0f, a, lda,
                                        b, ldb, beta, c, ldc);
    TERN_ASSERT(st == dnnl_success, "dnnl_sgemm failed with status ", static_cast<int>(st));
  } else
    cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}


bool float_inputs(const KernelArgs& k) {
  return k.in[0].dtype() == DType::f32 || k.in[0].dtype() == DType::f64;
}

void matmul_blas(KernelArgs& k) {
  MatmulPlan p = plan_matmul(k.in[0], k.in[1]);
  const int64_t nd = p.a.dim();
  BlasOperand oa = describe(p.m, p.k, p.a.strides()[nd - 2], p.a.strides()[nd - 1]);
  BlasOperand ob = describe(p.k, p.n, p.b.strides()[nd - 2], p.b.strides()[nd - 1]);
  if (!oa.ok) {
    p.a = contiguous_copy(p.a);
    oa = describe(p.m, p.k, p.a.strides()[nd - 2], p.a.strides()[nd - 1]);
  }
  if (!ob.ok) {
    p.b = contiguous_copy(p.b);
    ob = describe(p.k, p.n, p.b.strides()[nd - 2], p.b.strides()[nd - 1]);
  }
  const int64_t nb = numel_of(p.batch);
  TERN_FLOAT_SWITCH(p.a.dtype(), "matmul", [&] {
    const T* A = static_cast<const T*>(p.a.storage()->data());
    const T* B = static_cast<const T*>(p.b.storage()->data());
    T* C = k.out[0].data<T>();
    if (p.k == 0) {
      std::fill(C, C + k.out[0].numel(), T(0));
      return;
    }
    for (int64_t bi = 0; bi < nb; ++bi)
      gemm<T>(oa.trans, ob.trans, p.m, p.n, p.k, A + batch_offset(p.a, p.batch, bi), oa.ld,
              B + batch_offset(p.b, p.batch, bi), ob.ld, T(0), C + bi * p.m * p.n, std::max<int64_t>(p.n, 1));
  });
}

void linear_blas(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const int64_t in = w.shape()[1], outf = w.shape()[0], rows = x.numel() / std::max<int64_t>(in, 1);
  TERN_FLOAT_SWITCH(x.dtype(), "linear", [&] {
    T* y = k.out[0].data<T>();
    T beta = 0;
    if (k.nin > 2) {  // start from the bias so GEMM adds onto it
      const Tensor b = as_contiguous(k.in[2]);
      const T* bp = b.template data<T>();
      for (int64_t r = 0; r < rows; ++r) std::copy(bp, bp + outf, y + r * outf);
      beta = 1;
    }
    if (in == 0) {
      if (k.nin <= 2) std::fill(y, y + rows * outf, T(0));
      return;
    }
    gemm<T>(CblasNoTrans, CblasTrans, rows, outf, in, x.data<T>(), in, w.data<T>(), in, beta, y, std::max<int64_t>(outf, 1));
  });
}

}  // namespace

void register_blas_kernels() {
  register_kernel(OpKind::matmul, DeviceType::cpu, {"gemm", 10, float_inputs, matmul_blas});
  register_kernel(OpKind::linear, DeviceType::cpu, {"gemm", 10, float_inputs, linear_blas});
}

}  // namespace tern::ops::cpu
