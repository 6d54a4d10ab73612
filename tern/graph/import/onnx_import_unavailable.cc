// Built without Debian's libonnx-dev: `tern run model.onnx` says so.
#include "tern/base/error.h"
#include "tern/graph/import/onnx_run.h"

namespace tern::graph {

OnnxRunResult run_onnx_file(const OnnxRunOptions& o) {
  throw NotImplementedError(str_cat(o.model, ": this Tern was built without libonnx-dev; ONNX import is unavailable "
                                             "(scripts/bootstrap.sh installs it)"));
}

}  // namespace tern::graph
