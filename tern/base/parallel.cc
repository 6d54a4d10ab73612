#include "tern/base/parallel.h"

#include "tern/base/error.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

// _OPENMP: compiled with -fopenmp (TERN_OPENMP links OpenMP into tern_base).
#ifdef _OPENMP
#include <omp.h>
#endif

namespace tern {

namespace {

int g_threads = 0;  // 0: not set yet, use OpenMP's default

struct Listeners {
  std::mutex mu;
  std::vector<void (*)(int)> fns;
};
Listeners& listeners() {  // function-local: registrars may run before this file's statics
  static Listeners l;
  return l;
}

}  // namespace

int max_threads() { return 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

void set_num_threads(int n) {
  // Far more threads than cores only thrash (and 10^5 of them crash libgomp):
  // refuse instead of trying.
  TERN_CHECK(n >= 0 && n <= max_threads(), "threads: expected an integer in [0, ", max_threads(),
             "] (0: all cores; at most 4 per hardware thread), given ", n);
#ifdef _OPENMP
  if (n <= 0) n = omp_get_num_procs();
  g_threads = n;
  omp_set_num_threads(n);
#else
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  g_threads = n;
#endif
  Listeners& l = listeners();
  std::lock_guard<std::mutex> lock(l.mu);
  for (void (*fn)(int) : l.fns) fn(n);
}

void add_thread_count_listener(void (*fn)(int threads)) {
  Listeners& l = listeners();
  std::lock_guard<std::mutex> lock(l.mu);
  l.fns.push_back(fn);
  if (g_threads > 0) fn(g_threads);
}

#ifdef _OPENMP

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

#else  // no OpenMP: one thread

int num_threads() { return g_threads > 0 ? g_threads : 1; }

bool in_parallel_region() { return false; }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n > 0) fn(0, n);
}

#endif

}  // namespace tern
