#include "tern/core/storage.h"

#include "tern/base/error.h"
#include "tern/core/allocator.h"

namespace tern {

Storage::Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  TERN_CHECK_T(NotImplementedError, device.type == DeviceType::cpu,
               "device ", device_name(device.type), " is not available in this build (CPU only)");
  data_ = CpuAllocator::get().allocate(nbytes);
}

Storage::~Storage() { CpuAllocator::get().deallocate(data_, nbytes_); }

}  // namespace tern
