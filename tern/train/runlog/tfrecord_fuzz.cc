// libFuzzer target: any bytes as a TFRecord file give records or a
// tern::Error (bad length or data CRC, truncation), never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/train/runlog/tfrecord.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)tern::train::runlog::read_tfrecords(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
