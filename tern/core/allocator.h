// Caching CPU allocator. Freed blocks are kept in per-size free lists and
// handed out again, so a training loop reaches a steady state with no calls
// to the system allocator. Counters track tensor bytes live and their peak
// (what a user compares with PyTorch's profiler), plus bytes cached.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern {

struct AllocatorStats {
  int64_t live_bytes = 0;      // bytes requested by tensors that exist now
  int64_t peak_bytes = 0;      // max of live_bytes since the last reset_peak
  int64_t cached_bytes = 0;    // bytes held in free lists, ready for reuse
  int64_t num_allocs = 0;      // allocate() calls
  int64_t num_system_allocs = 0;  // of those, how many reached the system allocator
};

class CpuAllocator {
 public:
  static CpuAllocator& get();
  void* allocate(size_t nbytes);
  void deallocate(void* ptr, size_t nbytes);
  AllocatorStats stats() const;
  void reset_peak();
  void empty_cache();  // returns cached blocks to the system
};

}  // namespace tern
