// `tern run model.onnx --input x.npy --output y.npy`: an ONNX model on NumPy
// arrays (onnx_import.h), every output written atomically as .npy.
#pragma once

#include <string>
#include <vector>

#include "tern/core/shape.h"

namespace tern::graph {

struct OnnxRunOptions {
  std::string model;                 // the .onnx file
  std::vector<std::string> inputs;   // one .npy per model input, in the model's order
  std::vector<std::string> outputs;  // one .npy per model output (fewer: only the first ones are written)
};

struct OnnxRunResult {
  size_t nodes = 0;
  int64_t opset = 0;
  std::vector<std::string> output_names;
  std::vector<Shape> output_shapes;
  double seconds = 0;  // running the graph, files excluded
};

OnnxRunResult run_onnx_file(const OnnxRunOptions& options);

}  // namespace tern::graph
