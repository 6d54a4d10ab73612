// ONNX export of the model zoo: onnx's checker accepts every model's
// export, and ONNX's own shape inference gives every exported value the
// shape Tern's graph has (a check that strides, pads, perms, axes and the
// symbolic batch dim were mapped right). Numeric agreement needs an ONNX
// runtime, which Debian's python3-onnx 1.12 lacks (onnx.reference is 1.13+):
// see ort_compare.sh for the check against onnxruntime.
//
// TERN_ONNX_SLOW_MODELS selects the ImageNet-sized models (ctest label slow).
#include <gtest/gtest.h>

#include <onnx/onnx_pb.h>

#include <cstring>
#include <set>

#include "tern/graph/export/onnx_export.h"
#include "tern/graph/export/zoo_graph.h"
#include "tern/graph/function.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using Ts = std::vector<Tensor>;

onnx::ModelProto parse(const std::string& bytes) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  return m;
}

// The ONNX name of the first output of node n (what to_onnx names it).
std::string onnx_name(const Graph& g, int id) {
  for (size_t k = 0; k < g.outputs().size(); ++k)
    if (g.outputs()[k] == id) return str_cat("output", k);
  return str_cat("v", id);
}

class OnnxZoo : public testing::TestWithParam<std::string> {};

TEST_P(OnnxZoo, CheckerAcceptsAndShapesMatchTern) {
  const ZooGraph z = stage_zoo_model(GetParam());
  const Graph& g = *z.graph;
  OnnxOptions options;
  options.tensor_names = z.tensor_names;
  const std::string bytes = to_onnx(g, options);
  ASSERT_EQ(check_onnx(bytes), "");

  const std::map<std::string, Shape> shapes = onnx_inferred_shapes(bytes);
  int exact = 0;
  for (const Node& n : g.nodes()) {
    const Value& v = g.value(n.outputs[0]);
    const auto it = shapes.find(onnx_name(g, v.id));
    ASSERT_NE(it, shapes.end()) << "no inferred shape for %" << v.id << " (" << op_name(n.kind) << ")";
    const Shape& s = it->second;
    ASSERT_EQ(s.size(), v.shape.size()) << op_name(n.kind) << " %" << v.id;
    bool all_known = true;
    for (size_t d = 0; d < s.size(); ++d) {
      // A symbolic dim must stay symbolic; a fixed one may be unknown to
      // ONNX (a computed shape) but never different.
      if (v.shape[d] < 0) EXPECT_EQ(s[d], -1) << op_name(n.kind) << " %" << v.id << " dim " << d;
      else if (s[d] >= 0) EXPECT_EQ(s[d], v.shape[d]) << op_name(n.kind) << " %" << v.id << " dim " << d;
      else all_known = false;
    }
    exact += all_known;
  }
  EXPECT_GT(exact, static_cast<int>(g.nodes().size()) / 2);  // shape inference really ran

  // The batch dim is symbolic in the input and the output; the other dims fixed.
  const onnx::ModelProto m = parse(bytes);
  const auto& in_shape = m.graph().input(0).type().tensor_type().shape();
  EXPECT_EQ(in_shape.dim(0).dim_param(), "s0");
  for (int d = 1; d < in_shape.dim_size(); ++d) EXPECT_EQ(in_shape.dim(d).dim_value(), z.input.shape()[static_cast<size_t>(d)]);
  const Shape& out = shapes.at("output0");
  EXPECT_EQ(out[0], -1);
  EXPECT_EQ(out.back(), z.output.shape().back());

  // Every parameter is an initializer under its own name, with its contents.
  std::map<std::string, const onnx::TensorProto*> inits;
  for (const auto& t : m.graph().initializer()) inits[t.name()] = &t;
  for (const auto& [name, p] : z.model->named_parameters()) {
    const auto it = inits.find(name);
    ASSERT_NE(it, inits.end()) << "parameter " << name << " is not an initializer";
    ASSERT_EQ(it->second->raw_data().size(), p.nbytes()) << name;
    EXPECT_EQ(std::memcmp(it->second->raw_data().data(), p.raw_data(), p.nbytes()), 0) << name;
  }
}

#ifdef TERN_ONNX_SLOW_MODELS
INSTANTIATE_TEST_SUITE_P(ImageNet, OnnxZoo, testing::Values("resnet18", "resnet50", "vgg19"));
#else
INSTANTIATE_TEST_SUITE_P(Zoo, OnnxZoo,
                         testing::Values("softmax", "mlp", "lenet300", "lenet5", "resnet20", "resnet32", "resnet56", "resnet110",
                                         "densenet", "mobilenetv2", "lstm-lm"));

// Every model in the zoo is in one of the two lists.
TEST(OnnxExport, BothListsCoverTheZoo) {
  const std::set<std::string> listed{"softmax",  "mlp", "lenet300", "lenet5",  "resnet20", "resnet32", "resnet56", "resnet110",
                                     "densenet", "mobilenetv2", "lstm-lm", "resnet18", "resnet50", "vgg19"};
  for (const nn::ModelSpec& spec : nn::model_zoo()) EXPECT_TRUE(listed.count(spec.name)) << spec.name;
}

// Attributes that depend on the batch (a `full` of [batch, 3], a reshape to
// [batch * 4]) become a computed shape: the model runs at any batch size.
TEST(OnnxExport, SymbolicAttributesAreComputedFromTheInputShape) {
  auto f = function([](const Ts& a) { return Ts{add(reshape(a[0], {-1}), sum(zeros({a[0].size(0), 4}), {}, false))}; },
                    {ArgSpec{DType::f32, {-1, 4}}});
  f({randn({3, 4})});
  const std::string bytes = to_onnx(*f.last_graph());
  ASSERT_EQ(check_onnx(bytes), "");
  std::set<std::string> ops;
  const onnx::ModelProto m = parse(bytes);
  for (const auto& n : m.graph().node()) ops.insert(n.op_type());
  EXPECT_TRUE(ops.count("Shape") && ops.count("ConstantOfShape")) << "the batch was frozen into the graph";
}

TEST(OnnxExport, OpWithoutMappingIsNamed) {
  auto f = function([](const Ts& a) {
    return Ts{index_add(a[0], 0, Tensor::from_vector<int64_t>({1, 0}, {2}), ones({2, 3}))};
  });
  f({randn({4, 3})});
  try {
    to_onnx(*f.last_graph());
    FAIL() << "index_add exported";
  } catch (const NotImplementedError& e) {
    EXPECT_NE(std::string(e.what()).find("op index_add"), std::string::npos) << e.what();
  }
}

TEST(OnnxExport, TrainingModeBatchNormIsRefused) {
  nn::ModulePtr m = nn::make_model("resnet20", nn::find_model("resnet20").defaults);
  m->train();
  auto f = function([m](const Ts& a) { return Ts{(*m)(a[0])}; });
  f({randn({2, 1, 28, 28})});
  try {
    to_onnx(*f.last_graph());
    FAIL() << "training-mode batch norm exported";
  } catch (const NotImplementedError& e) {
    EXPECT_NE(std::string(e.what()).find("training mode"), std::string::npos) << e.what();
  }
}
#endif

}  // namespace
}  // namespace tern::graph
