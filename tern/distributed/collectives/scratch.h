// A per-thread receive buffer reused across collectives: allocating fresh
// megabytes per call would page-fault on every all-reduce.
#pragma once

#include <cstdint>
#include <span>

namespace tern::distributed::collectives::detail {

// At least bytes long, contents undefined, valid until the next call on this thread.
std::span<std::byte> scratch_bytes(int64_t bytes);

template <typename T>
std::span<T> scratch(int64_t n) {
  return {reinterpret_cast<T*>(scratch_bytes(n * static_cast<int64_t>(sizeof(T))).data()), static_cast<size_t>(n)};
}

}  // namespace tern::distributed::collectives::detail
