// The ONNX ops the importer runs, each on Tern ops (onnx_import.h). A node
// here is already validated structurally (inputs defined, attributes read);
// each op checks its own attributes and input ranks and throws Error with a
// plain message, which the importer prefixes with the node.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::graph {

struct OnnxAttr {
  enum class Kind { int_, ints, float_, floats, string, tensor, other } kind = Kind::other;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::string s;
  Tensor tensor;
};

struct OnnxNode {
  std::string op;
  std::string name;
  std::vector<std::string> inputs;   // "" for an omitted optional input
  std::vector<std::string> outputs;
  std::map<std::string, OnnxAttr> attrs;
};

// Runs one node; `in` has one tensor per node input (undefined for an
// omitted one). Returns the node's outputs (possibly fewer than it names,
// when optional trailing outputs such as Dropout's mask are not computed).
std::vector<Tensor> run_onnx_node(const OnnxNode& node, const std::vector<Tensor>& in, int64_t opset);

}  // namespace tern::graph
