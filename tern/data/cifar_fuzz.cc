// libFuzzer target: the CIFAR record reader on any bytes: records or a one-line tern::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/data/cifar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    tern::data::CifarRecords r;
    tern::data::parse_cifar(bytes, "fuzz", 1, 0, 10, r);
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  try {
    tern::data::CifarRecords r;
    tern::data::parse_cifar(bytes, "fuzz", 2, 1, 100, r);
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
