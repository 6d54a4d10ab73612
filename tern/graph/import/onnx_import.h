// ONNX models run with Tern's ops: `tern run model.onnx`. The file is read
// with ONNX's own protobuf classes (Debian's libonnx-dev), checked whole
// before anything runs — every node's op is one Tern imports, every input is
// defined before it is used, every initializer's data matches its shape —
// and then executed node by node in the file's (topological) order on Tern
// tensors, so an exported PyTorch or TensorFlow classifier runs on the same
// kernels as a zoo model.
//
// What is imported: the float32 inference ops of CNN and MLP classifiers
// (supported_onnx_ops() lists them), plus the int64 shape arithmetic
// exporters emit around Reshape (Shape, Gather, Unsqueeze, Concat, ...),
// evaluated on the host. A file using anything else is refused up front
// with the list of ops it lacks.
//
//   graph::OnnxModel m = graph::OnnxModel::load("cnn.onnx");
//   std::vector<Tensor> y = m.run({x});   // x: the model's first input
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::graph {

struct OnnxValueInfo {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> dims;  // -1 for a symbolic or unknown dim
};

class OnnxModel {
 public:
  // Throws IOError for an unreadable file or bytes that are not a valid ONNX
  // model (naming what is wrong: a node, an initializer), ValueError listing
  // the ops Tern does not import.
  static OnnxModel load(const std::string& path);
  static OnnxModel parse(std::string_view bytes, const std::string& source);

  const std::vector<OnnxValueInfo>& inputs() const;   // graph inputs that are not initializers
  const std::vector<OnnxValueInfo>& outputs() const;
  size_t node_count() const;
  int64_t opset() const;  // of the default ("ai.onnx") domain

  // One tensor per input, in inputs() order; returns one per output. Throws
  // ValueError naming the node for an input of the wrong dtype or rank, or a
  // node whose attributes Tern cannot honour (e.g. asymmetric padding).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;

  ~OnnxModel();
  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;

  struct Impl;

 private:
  explicit OnnxModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The ONNX op types OnnxModel runs, sorted.
const std::vector<std::string>& supported_onnx_ops();

}  // namespace tern::graph
