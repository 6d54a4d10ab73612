// libFuzzer target: the ML-CI readers on any bytes. The first byte picks the
// reader (YAML config, condition, prediction file); each gives a result or a
// tern::Error, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tern/base/error.h"
#include "tern/mlci/condition.h"
#include "tern/mlci/config.h"
#include "tern/mlci/predictions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: (void)tern::mlci::parse_config(text, "fuzz"); break;
      case 1: (void)tern::mlci::parse_condition(text); break;
      default: (void)tern::mlci::parse_classes(text, "fuzz");
    }
  } catch (const tern::Error&) {
  }
  return 0;
}
