#include "tern/core/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace tern {

namespace {

constexpr size_t kAlignment = 64;

// Sizes round up to a bucket: multiples of 512 B below 1 MiB, then of 64 KiB,
// so near-equal requests share blocks without wasting much.
size_t bucket_size(size_t n) {
  if (n == 0) return kAlignment;
  const size_t unit = n < (1u << 20) ? 512 : (64u << 10);
  return (n + unit - 1) / unit * unit;
}

struct State {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  AllocatorStats stats;
};

State& state() {
  static State* s = new State;  // leaked on purpose: tensors may die after static destruction
  return *s;
}

}  // namespace

CpuAllocator& CpuAllocator::get() {
  static CpuAllocator a;
  return a;
}

void* CpuAllocator::allocate(size_t nbytes) {
  const size_t size = bucket_size(nbytes);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.stats.num_allocs;
  // live/peak count the bytes tensors asked for (as PyTorch's profiler does);
  // the bucket's slack shows only in cached_bytes.
  s.stats.live_bytes += static_cast<int64_t>(nbytes);
  if (s.stats.live_bytes > s.stats.peak_bytes) s.stats.peak_bytes = s.stats.live_bytes;
  auto it = s.free_lists.find(size);
  if (it != s.free_lists.end() && !it->second.empty()) {
    void* p = it->second.back();
    it->second.pop_back();
    s.stats.cached_bytes -= static_cast<int64_t>(size);
    return p;
  }
  ++s.stats.num_system_allocs;
  void* p = std::aligned_alloc(kAlignment, size);
  if (!p) {
    s.stats.live_bytes -= static_cast<int64_t>(nbytes);
    throw std::bad_alloc();
  }
  return p;
}

void CpuAllocator::deallocate(void* ptr, size_t nbytes) {
  if (!ptr) return;
  const size_t size = bucket_size(nbytes);
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.stats.live_bytes -= static_cast<int64_t>(nbytes);
  s.stats.cached_bytes += static_cast<int64_t>(size);
  s.free_lists[size].push_back(ptr);
}

AllocatorStats CpuAllocator::stats() const {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.stats;
}

void CpuAllocator::reset_peak() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.stats.peak_bytes = s.stats.live_bytes;
}

void CpuAllocator::empty_cache() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  for (auto& [size, list] : s.free_lists)
    for (void* p : list) std::free(p);
  s.free_lists.clear();
  s.stats.cached_bytes = 0;
}

}  // namespace tern
