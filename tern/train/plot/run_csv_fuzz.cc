// libFuzzer target: any bytes as a --log-dir CSV give columns or a
// tern::Error, never a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/train/plot/run_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)tern::train::plot::parse_csv_columns(std::string_view(reinterpret_cast<const char*>(data), size),
                                               {"step", "loss"}, "fuzz");
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
