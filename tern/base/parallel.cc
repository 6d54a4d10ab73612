#include "tern/base/parallel.h"

#include <omp.h>

#include <algorithm>

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace tern {

namespace {
int g_threads = 0;  // 0: not set yet, use OpenMP's default
}

void set_num_threads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  g_threads = n;
  omp_set_num_threads(n);
  if (openblas_set_num_threads) openblas_set_num_threads(n);
}

int num_threads() { return g_threads > 0 ? g_threads : omp_get_max_threads(); }

bool in_parallel_region() { return omp_in_parallel() != 0; }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int threads = num_threads();
  grain = std::max<int64_t>(grain, 1);
  const int64_t max_chunks = (n + grain - 1) / grain;
  const int chunks = static_cast<int>(std::min<int64_t>(threads, max_chunks));
  if (chunks <= 1 || omp_in_parallel()) {
    fn(0, n);
    return;
  }
#pragma omp parallel num_threads(chunks)
  {
    const int t = omp_get_thread_num();
    const int64_t per = (n + chunks - 1) / chunks;
    const int64_t begin = std::min<int64_t>(n, t * per);
    const int64_t end = std::min<int64_t>(n, begin + per);
    if (begin < end) fn(begin, end);
  }
}

}  // namespace tern
