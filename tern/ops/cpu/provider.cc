// The "cpu" kernel provider: its registration with the op registry and with
// base's thread count. tern_ops_cpu is a CMake OBJECT library, so this file's
// object is linked into every program that takes the library (through
// tern_link_kernels in the top CMakeLists.txt) and its registrar runs before
// main(); from a static library it would be dropped, as nothing calls it.
#include <cblas.h>

#include "tern/base/parallel.h"
#include "tern/ops/cpu/cpu_kernels.h"
#include "tern/ops/kernel_provider.h"

namespace tern::ops::cpu {

void register_kernels() {
  register_blas_kernels();
  register_im2col_kernels();
  register_dnnl_kernels();
  register_pool_kernels();
  register_simd_kernels();
}

namespace {

// OpenBLAS keeps its own thread pool: it follows set_num_threads. (oneDNN,
// as Debian builds it, runs on OpenMP and follows omp_set_num_threads, which
// set_num_threads calls.)
void tell_openblas(int threads) { openblas_set_num_threads(threads); }

struct Registrar {
  Registrar() {
    add_kernel_provider("cpu", &register_kernels);
    add_thread_count_listener(&tell_openblas);
  }
};
const Registrar g_registrar;

}  // namespace
}  // namespace tern::ops::cpu
