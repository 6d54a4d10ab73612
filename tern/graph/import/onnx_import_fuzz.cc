// libFuzzer target: any bytes given to the ONNX importer give a model or a
// tern::Error, never a crash, a hang or a sanitizer report; a model that
// parses is also run on a zero input of its declared shape.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "tern/base/error.h"
#include "tern/graph/import/onnx_import.h"
#include "tern/ops/ops.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const tern::graph::OnnxModel m =
        tern::graph::OnnxModel::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    std::vector<tern::Tensor> inputs;
    for (const auto& in : m.inputs()) {
      tern::Shape shape;
      int64_t n = 1;
      for (int64_t d : in.dims) {
        shape.push_back(d < 0 ? 1 : d);
        n *= shape.back();
      }
      if (n > (1 << 16) || in.dtype != tern::DType::f32) return 0;
      inputs.push_back(tern::zeros(shape));
    }
    (void)m.run(inputs);
  } catch (const tern::Error& e) {
    if (std::strchr(e.what(), '\n')) std::abort();  // errors are one line
  }
  return 0;
}
