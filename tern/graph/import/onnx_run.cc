#include "tern/graph/import/onnx_run.h"

#include "tern/autograd/grad_mode.h"
#include "tern/base/error.h"
#include "tern/base/timer.h"
#include "tern/data/npy.h"
#include "tern/graph/import/onnx_import.h"
#include "tern/ops/ops.h"

namespace tern::graph {

OnnxRunResult run_onnx_file(const OnnxRunOptions& o) {
  const OnnxModel model = OnnxModel::load(o.model);
  TERN_CHECK(o.inputs.size() == model.inputs().size(), o.model, ": the model takes ", model.inputs().size(),
             " inputs, given ", o.inputs.size(), " --input files");
  TERN_CHECK(!o.outputs.empty() && o.outputs.size() <= model.outputs().size(), o.model, ": the model has ",
             model.outputs().size(), " outputs, given ", o.outputs.size(), " --output files");
  std::vector<Tensor> inputs;
  for (const std::string& path : o.inputs) inputs.push_back(data::read_npy(path));
  OnnxRunResult r;
  r.nodes = model.node_count();
  r.opset = model.opset();
  NoGradGuard no_grad;
  Timer timer;
  const std::vector<Tensor> outputs = model.run(inputs);
  r.seconds = timer.seconds();
  for (size_t i = 0; i < o.outputs.size(); ++i) {
    data::write_npy(o.outputs[i], contiguous(outputs[i]));  // atomically
    r.output_names.push_back(model.outputs()[i].name);
    r.output_shapes.push_back(outputs[i].shape());
  }
  return r;
}

}  // namespace tern::graph
