// ONNX import: every image model of the zoo, exported by Tern's own
// exporter (symbolic batch, random batch-norm statistics), imported back and
// run at another batch size gives the eager model's output; malformed files
// and unsupported ops are one-line errors. The check against models written
// by PyTorch is torch_onnx_test.py (it needs python3-torch).
#include "tern/graph/import/onnx_import.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include "tern/autograd/grad_mode.h"
#include <random>
#include "tern/graph/export/onnx_export.h"
#include "tern/graph/export/zoo_graph.h"
#include "tern/ops/ops.h"
#include "tern/ops/testing.h"

namespace tern::graph {
namespace {

using tern::testing::contains;
using tern::testing::error_of;

std::string zoo_onnx(const ZooGraph& z) {
  OnnxOptions options;
  options.tensor_names = z.tensor_names;
  options.input_names = {"images"};
  options.output_names = {"logits"};
  return to_onnx(*z.graph, options);
}

double max_relative_error(const Tensor& got, const Tensor& want) {
  const std::vector<float> g = contiguous(got).to_vector<float>(), w = contiguous(want).to_vector<float>();
  double scale = 0, err = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    scale = std::max(scale, std::abs(static_cast<double>(w[i])));
    err = std::max(err, std::abs(static_cast<double>(g[i]) - w[i]));
  }
  return err / std::max(scale, 1e-30);
}

class OnnxImportZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxImportZoo, ExportedModelRunsLikeTheEagerOne) {
  const ZooGraph z = stage_zoo_model(GetParam(), 2, 1, /*random_buffers=*/true);
  const OnnxModel m = OnnxModel::parse(zoo_onnx(z), GetParam() + ".onnx");
  ASSERT_EQ(m.inputs().size(), 1u);
  EXPECT_EQ(m.inputs()[0].dims[0], -1);  // the symbolic batch
  ASSERT_EQ(m.outputs().size(), 1u);
  NoGradGuard no_grad;
  const Tensor x = zoo_input(nn::find_model(GetParam()), 3);
  const Tensor want = (*z.model)(x);
  const std::vector<Tensor> got = m.run({x});
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].shape(), want.shape());
  EXPECT_LE(max_relative_error(got[0], want), 1e-5) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Zoo, OnnxImportZoo,
                         ::testing::Values("softmax", "mlp", "lenet300", "lenet5", "resnet20", "densenet",
                                           "mobilenetv2"),
                         [](const auto& info) { return info.param; });

// A one-node model built by hand, to check single ops and errors.
onnx::ModelProto one_node(const std::string& op, int64_t opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.add_opset_import()->set_version(opset);
  onnx::GraphProto* g = m.mutable_graph();
  auto* in = g->add_input();
  in->set_name("x");
  in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {1, 1, 4, 4}) in->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(d);
  g->add_output()->set_name("y");
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->add_input("x");
  n->add_output("y");
  return m;
}

TEST(OnnxImport, AveragePoolExcludesPaddingByDefaultLikeOnnx) {
  onnx::ModelProto p = one_node("AveragePool");
  auto* n = p.mutable_graph()->mutable_node(0);
  auto attr = [&](const char* name, std::vector<int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  };
  attr("kernel_shape", {3, 3});
  attr("pads", {1, 1, 1, 1});
  const OnnxModel m = OnnxModel::parse(p.SerializeAsString(), "pool.onnx");
  const Tensor y = m.run({ones({1, 1, 4, 4})})[0];
  // Every window averages ones only: 1 everywhere (counting the padding
  // would give 4/9 in the corners).
  ASSERT_EQ(y.shape(), (Shape{1, 1, 4, 4}));
  for (float v : contiguous(y).to_vector<float>()) EXPECT_NEAR(v, 1.0f, 1e-6);
}

TEST(OnnxImport, UnsupportedOpsAreListedInOneLine) {
  onnx::ModelProto p = one_node("LSTM");
  onnx::NodeProto* extra = p.mutable_graph()->add_node();
  extra->set_op_type("Resize");
  extra->add_input("y");
  extra->add_output("z");
  const std::string e = error_of<ValueError>([&] { OnnxModel::parse(p.SerializeAsString(), "rnn.onnx"); });
  EXPECT_TRUE(contains(e, "rnn.onnx: ONNX ops Tern does not import: LSTM, Resize")) << e;
  EXPECT_TRUE(contains(e, "Conv")) << e;  // and what it does import
  EXPECT_EQ(e.find('\n'), std::string::npos);
}

TEST(OnnxImport, UndefinedInputAndBadInitializerAreNamed) {
  onnx::ModelProto p = one_node("Relu");
  p.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
  std::string e = error_of<IOError>([&] { OnnxModel::parse(p.SerializeAsString(), "m.onnx"); });
  EXPECT_TRUE(contains(e, "input 'nowhere' is not defined")) << e;

  p = one_node("Add");
  p.mutable_graph()->mutable_node(0)->add_input("w");
  onnx::TensorProto* w = p.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_raw_data(std::string(12, '\0'));  // 3 floats, not 4
  e = error_of<IOError>([&] { OnnxModel::parse(p.SerializeAsString(), "m.onnx"); });
  EXPECT_TRUE(contains(e, "initializer 'w': raw_data holds 12 bytes")) << e;
}

TEST(OnnxImport, AWrongInputShapeIsAClearError) {
  const OnnxModel m = OnnxModel::parse(one_node("Relu").SerializeAsString(), "m.onnx");
  const std::string e = error_of<ValueError>([&] { m.run({ones({1, 1, 5, 4})}); });
  EXPECT_TRUE(contains(e, "input 'x' must have shape [1, 1, 4, 4], given [1, 1, 5, 4]")) << e;
}

// Truncations and byte flips of a real model: a model or an Error, one line,
// never a crash (the fuzz target explores further under ASan).
TEST(OnnxImport, CorruptedFilesAreOneLineErrors) {
  const ZooGraph z = stage_zoo_model("lenet5");
  const std::string bytes = zoo_onnx(z);
  std::mt19937 rng(7);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string b = bytes;
    if (trial < 150) b.resize(static_cast<size_t>(rng() % bytes.size()));
    else
      for (int k = 0; k < 4; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    try {
      const OnnxModel m = OnnxModel::parse(b, "lenet5.onnx");
      (void)m.run({zoo_input(nn::find_model("lenet5"), 2)});
    } catch (const Error& e) {
      ++errors;
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
  EXPECT_GE(errors, 150);  // every truncation at least loses the graph's tail
}

}  // namespace
}  // namespace tern::graph
