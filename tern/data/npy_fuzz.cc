// libFuzzer target: the .npy reader on any bytes: an array or a tern::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/data/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)tern::data::parse_npy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
