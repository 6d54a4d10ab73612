// Threading helpers. One process-wide thread count (set_num_threads), used by
// parallel_for and passed to the libraries that keep their own threads
// (tern/ops/cpu tells OpenBLAS through add_thread_count_listener). With
// OpenMP (TERN_OPENMP, on by default) parallel_for runs its chunks on OpenMP
// threads; without it everything runs on the calling thread.
#pragma once

#include <cstdint>
#include <functional>

namespace tern {

// n <= 0: one thread per processor.
// n in [0, max_threads()]: 0 means one per core; anything else is a
// ValueError (no silent clamp: a user asking for 10^5 threads made a mistake).
void set_num_threads(int n);
int max_threads();  // 4 x the hardware threads
// The count set, else OpenMP's default (1 without OpenMP).
int num_threads();
bool in_parallel_region();

// Calls fn(begin, end) over [0, n) in contiguous chunks of at least `grain`
// elements, in parallel when that is worth it. Chunks are deterministic for
// a given thread count.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Calls fn(n) on every set_num_threads(n), after OpenMP has been told; at
// once too if a count was set before. Add listeners before other threads
// start (a static registrar does).
void add_thread_count_listener(void (*fn)(int threads));

}  // namespace tern
