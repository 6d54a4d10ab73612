#include "tern/distributed/collectives/scratch.h"

#include <memory>

namespace tern::distributed::collectives::detail {

std::span<std::byte> scratch_bytes(int64_t bytes) {
  thread_local std::unique_ptr<std::byte[]> buffer;
  thread_local int64_t capacity = 0;
  if (bytes > capacity) {
    buffer.reset(new std::byte[static_cast<size_t>(bytes)]);  // not zeroed: it is always written before read
    capacity = bytes;
  }
  return {buffer.get(), static_cast<size_t>(capacity)};
}

}  // namespace tern::distributed::collectives::detail
