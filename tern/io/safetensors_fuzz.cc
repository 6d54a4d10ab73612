// libFuzzer target: any bytes given to the safetensors reader give a
// result or a tern::Error, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)tern::io::decode_safetensors(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
