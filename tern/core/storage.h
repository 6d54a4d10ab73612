// A reference-counted block of device memory. Tensors are views onto one.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "tern/core/dtype.h"

namespace tern {

class Storage {
 public:
  Storage(size_t nbytes, Device device);
  // Borrows `nbytes` at `data`, memory owned elsewhere (a NumPy array's
  // buffer: the Python front shares it without copying); `release` runs
  // instead of freeing when the last tensor using it is gone.
  Storage(void* data, size_t nbytes, Device device, std::function<void()> release);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  std::function<void()> release_;  // set for borrowed memory
};

using StoragePtr = std::shared_ptr<Storage>;

}  // namespace tern
