// Threading helpers over OpenMP. One process-wide thread count
// (set_num_threads), used by our loops and passed to OpenBLAS and oneDNN.
#pragma once

#include <cstdint>
#include <functional>

namespace tern {

void set_num_threads(int n);
int num_threads();
bool in_parallel_region();

// Calls fn(begin, end) over [0, n) in contiguous chunks of at least `grain`
// elements, in parallel when that is worth it. Chunks are deterministic for
// a given thread count.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace tern
