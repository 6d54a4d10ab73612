#include "tern/core/storage.h"

#include "tern/base/error.h"
#include "tern/core/allocator.h"

namespace tern {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  TERN_CHECK_T(NotImplementedError, device.type == DeviceType::cpu,
               "device ", device_name(device.type), " is not available in this build (CPU only)");
  data_ = CpuAllocator::get().allocate(nbytes);
}

Storage::Storage(void* data, size_t nbytes, Device device, std::function<void()> release)
    : data_(data), nbytes_(nbytes), device_(device), release_(std::move(release)) {
  TERN_CHECK_T(NotImplementedError, device.type == DeviceType::cpu,
               "device ", device_name(device.type), " is not available in this build (CPU only)");
  TERN_CHECK(release_ != nullptr, "a borrowed storage needs a release function");
}

Storage::~Storage() {
  if (release_) release_();
  else CpuAllocator::get().deallocate(data_, nbytes_);
}

}  // namespace tern
