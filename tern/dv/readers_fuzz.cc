// libFuzzer target: the data-validation readers on any bytes. The first
// byte picks the reader (schema text, statistics JSON, CSV); each gives a
// result or a tern::Error, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tern/base/error.h"
#include "tern/dv/csv.h"
#include "tern/dv/schema.h"
#include "tern/dv/stats.h"

namespace {
struct NullSink : tern::dv::CsvSink {
  void field(int64_t, const tern::dv::CsvField&) override {}
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        (void)tern::dv::parse_schema(text, "fuzz");
        break;
      case 1: {
        const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        if (!j.is_discarded()) (void)tern::dv::stats_from_json(j);
        break;
      }
      default: {
        NullSink sink;
        tern::dv::CsvProblem problem;
        (void)tern::dv::parse_csv_block(text, ',', 1, -1, sink, &problem);
      }
    }
  } catch (const tern::Error&) {
  }
  return 0;
}
