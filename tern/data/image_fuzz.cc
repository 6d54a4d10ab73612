// libFuzzer target: the PNG / JPEG decoder on any bytes: an image or a one-line tern::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/data/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int channels : {1, 3}) {
    try {
      (void)tern::data::decode_image(bytes, "fuzz", channels);
    } catch (const tern::Error& e) {
      if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
    }
  }
  return 0;
}
