// ONNX export in a build without libonnx-dev: every call says how to get it.
#include "tern/graph/export/onnx_export.h"

namespace tern::graph {

namespace {
[[noreturn]] void missing() {
  throw NotImplementedError("onnx export: this build has no libonnx (install libonnx-dev and libprotobuf-dev, "
                            "e.g. scripts/bootstrap.sh, and re-run cmake)");
}
}  // namespace

bool onnx_available() { return false; }
std::string to_onnx(const Graph&, const OnnxOptions&) { missing(); }
void save_onnx(const std::string&, const std::string&) { missing(); }
std::string check_onnx(const std::string&) { missing(); }
std::map<std::string, Shape> onnx_inferred_shapes(const std::string&) { missing(); }

}  // namespace tern::graph
