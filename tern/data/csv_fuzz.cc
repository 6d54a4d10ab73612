// libFuzzer target: the CSV reader on any bytes: a table or a one-line tern::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/data/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    (void)tern::data::parse_csv(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
