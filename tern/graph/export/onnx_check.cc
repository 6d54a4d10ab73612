// libonnx's own checker and shape inference, for tests and `tern export`.
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include "tern/graph/export/onnx_export.h"

namespace tern::graph {

namespace {

onnx::ModelProto parse(const std::string& model) {
  onnx::ModelProto proto;
  TERN_CHECK(proto.ParseFromString(model), "onnx: the model is not a valid ModelProto");
  return proto;
}

// Strict: a node whose shapes ONNX cannot infer is an error, and data
// propagation follows Shape -> Gather -> Concat so symbolic dims survive.
void infer(onnx::ModelProto& proto) {
  onnx::shape_inference::InferShapes(proto, onnx::OpSchemaRegistry::Instance(),
                                     onnx::ShapeInferenceOptions{/*check_type=*/true, /*strict_mode=*/1,
                                                                 /*data_prop=*/true});
}

}  // namespace

std::string check_onnx(const std::string& model) {
  try {
    onnx::ModelProto proto = parse(model);
    onnx::checker::check_model(proto);
    infer(proto);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::map<std::string, Shape> onnx_inferred_shapes(const std::string& model) {
  onnx::ModelProto proto = parse(model);
  try {
    infer(proto);
  } catch (const std::exception& e) {
    TERN_CHECK(false, "onnx shape inference failed: ", e.what());
  }
  std::map<std::string, Shape> shapes;
  const auto add = [&](const onnx::ValueInfoProto& info) {
    if (!info.type().tensor_type().has_shape()) return;
    Shape s;
    for (const auto& d : info.type().tensor_type().shape().dim()) s.push_back(d.has_dim_value() ? d.dim_value() : -1);
    shapes[info.name()] = s;
  };
  for (const auto& v : proto.graph().input()) add(v);
  for (const auto& v : proto.graph().value_info()) add(v);
  for (const auto& v : proto.graph().output()) add(v);
  return shapes;
}

}  // namespace tern::graph
