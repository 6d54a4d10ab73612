// ONNX export of a staged graph (`tern export --format onnx`).
//
//   Function f = function(body, {{DType::f32, {-1, 1, 28, 28}}});
//   f({x});                                   // traces one graph for all batch sizes
//   save_onnx(to_onnx(*f.last_graph()), "model.onnx"); // opset 13; batch dim "s0"
//
// Each node becomes one or a few ONNX nodes (opset 13, the default domain);
// captured tensors (parameters, buffers, constants) become initializers;
// symbolic dims become dim_params, and attributes that depend on them
// (reshape targets, full shapes) are computed in the model from the
// inputs' Shape. Inference graphs export; ops with no ONNX mapping
// (gradient ops, scatter_add, batch norm in training mode) throw
// NotImplementedError naming the op and the node.
//
// Built on Debian's libonnx-dev (protobuf classes, checker, shape
// inference). Without it, every call throws NotImplementedError.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tern/graph/ir.h"

namespace tern::graph {

struct OnnxOptions {
  std::string graph_name = "tern";
  std::vector<std::string> input_names;   // default: input0, input1, ...
  std::vector<std::string> output_names;  // default: output0, output1, ...
  std::vector<std::string> symbol_names;  // dim_param of symbolic dim j; default: s0, s1, ...
  // Initializer names for captured tensors (e.g. a module's named_parameters);
  // others use the tensor's own name, else "const<id>".
  std::map<const TensorImpl*, std::string> tensor_names;
};

inline constexpr int64_t kOnnxOpset = 13;

// True if this build has libonnx (otherwise the functions below throw).
bool onnx_available();

// The serialized ModelProto. Node outputs are named "v<id>" (Value ids of g)
// unless they are graph outputs; captures by their tensor's name when it
// has one.
std::string to_onnx(const Graph& g, const OnnxOptions& options = {});

// Writes a serialized model to `path` (through a temporary file and a rename).
void save_onnx(const std::string& model, const std::string& path);

// Runs onnx::checker and strict shape inference on a serialized model;
// returns "" if both accept it, else their message.
std::string check_onnx(const std::string& model);

// Shapes ONNX shape inference gives each named value (inputs, outputs and
// intermediates): -1 for a dim it leaves symbolic or unknown. Throws
// ValueError if inference fails.
std::map<std::string, Shape> onnx_inferred_shapes(const std::string& model);

}  // namespace tern::graph
