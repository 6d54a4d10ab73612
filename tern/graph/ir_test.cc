// IR, verifier, printer and passes on small hand-built graphs.
#include <gtest/gtest.h>

#include "tern/graph/executor.h"
#include "tern/graph/passes/passes.h"
#include "tern/graph/printer.h"
#include "tern/graph/verify.h"
#include "tern/ops/dispatch.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using namespace passes;  // the passes under test

TensorMeta meta(const Shape& s, DType dt = DType::f32) { return {s, dt}; }
// Output metadata of an op call, found by running it.
std::vector<TensorMeta> metas_of(OpKind kind, std::vector<Tensor> in, const Attrs& a) {
  Tensor outs[kMaxOutputs];
  const int n = dispatch(kind, in.data(), static_cast<int>(in.size()), a, outs);
  std::vector<TensorMeta> m;
  for (int k = 0; k < n; ++k) m.push_back(meta(outs[k].shape(), outs[k].dtype()));
  return m;
}
int out0(const Graph& g) { return g.nodes().back().outputs[0]; }

// y = tanh(x) * c + tanh(x) + (unused exp(x)), with c = 2 + 1 (foldable).
Graph example_graph() {
  Graph g;
  const int x = g.add_input(DType::f32, {2, 3}, {2, 3});
  const int two = g.add_capture(full({2, 3}, 2.0), true);
  g.add_node(OpKind::add_scalar, Attrs{{}, {1.0}}, {two}, {meta({2, 3})});
  const int c = out0(g);
  g.add_node(OpKind::tanh, {}, {x}, {meta({2, 3})});
  const int t1 = out0(g);
  g.add_node(OpKind::tanh, {}, {x}, {meta({2, 3})});
  const int t2 = out0(g);
  g.add_node(OpKind::exp, {}, {x}, {meta({2, 3})});
  g.add_node(OpKind::mul, {}, {t1, c}, {meta({2, 3})});
  const int m = out0(g);
  g.add_node(OpKind::add, {}, {m, t2}, {meta({2, 3})});
  g.set_outputs({out0(g)});
  return g;
}

Tensor run1(const Graph& g, const Tensor& x) {
  return Executor(std::make_shared<const Graph>(g)).run({x})[0];
}

TEST(GraphIR, VerifierAcceptsWellFormedGraph) { EXPECT_EQ(verify_error(example_graph()), ""); }

TEST(GraphIR, VerifierRejectsUseBeforeDefinition) {
  Graph g = example_graph();
  std::swap(g.nodes()[4], g.nodes()[5]);  // add now reads mul's output before mul runs
  EXPECT_NE(verify_error(g).find("before it is defined"), std::string::npos) << verify_error(g);
}

TEST(GraphIR, VerifierRejectsWrongDtypeAndArity) {
  Graph g = example_graph();
  g.value(g.nodes()[1].outputs[0]).dtype = DType::f64;
  EXPECT_NE(verify_error(g).find("f64"), std::string::npos) << verify_error(g);
  Graph h = example_graph();
  h.nodes()[4].outputs.clear();  // mul with no outputs
  EXPECT_NE(verify_error(h).find("0 outputs"), std::string::npos) << verify_error(h);
  EXPECT_THROW(verify(h), InternalError);
}

TEST(GraphIR, PrintsTextAndDot) {
  const Graph g = example_graph();
  const std::string text = to_text(g);
  EXPECT_NE(text.find("graph(%0: f32[2, 3])"), std::string::npos) << text;
  EXPECT_NE(text.find("= mul(%"), std::string::npos) << text;
  EXPECT_NE(text.find("capture f32[2, 3] const"), std::string::npos) << text;
  const std::string dot = to_dot(g);
  EXPECT_EQ(dot.rfind("digraph", 0), 0u);
  EXPECT_NE(dot.find("label=\"tanh\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("-> out0"), std::string::npos) << dot;
}

TEST(GraphPasses, DeadCodeEliminationRemovesUnusedOnly) {
  Graph g = example_graph();
  const Tensor x = randn({2, 3});
  const Tensor want = run1(g, x);
  EXPECT_TRUE(DeadCodeElimination().run(g));
  EXPECT_EQ(g.nodes().size(), 5u);
  for (const Node& n : g.nodes()) EXPECT_NE(n.kind, OpKind::exp);
  EXPECT_EQ(verify_error(g), "");
  EXPECT_TRUE(allclose(run1(g, x), want));
  EXPECT_FALSE(DeadCodeElimination().run(g));
}

TEST(GraphPasses, CommonSubexpressionsMerge) {
  Graph g = example_graph();
  const Tensor x = randn({2, 3});
  const Tensor want = run1(g, x);
  EXPECT_TRUE(CommonSubexpressionElimination().run(g));
  int tanhs = 0;
  for (const Node& n : g.nodes()) tanhs += n.kind == OpKind::tanh;
  EXPECT_EQ(tanhs, 1);
  EXPECT_EQ(verify_error(g), "");
  EXPECT_TRUE(allclose(run1(g, x), want));
}

TEST(GraphPasses, CseKeepsRandomAndMutatingOps) {
  Graph g;
  const int x = g.add_input(DType::f32, {4, 3, 2, 2}, {4, 3, 2, 2});
  const Attrs drop{{7, 0}, {0.5}};
  const auto drop_meta = metas_of(OpKind::dropout, {randn({4, 3, 2, 2})}, drop);
  g.add_node(OpKind::dropout, drop, {x}, drop_meta);
  g.add_node(OpKind::dropout, drop, {x}, drop_meta);
  const int w = g.add_capture(ones({3}), false), b = g.add_capture(zeros({3}), false);
  const int rm = g.add_capture(zeros({3}), false), rv = g.add_capture(ones({3}), false);
  const auto bn_meta =
      metas_of(OpKind::batch_norm, {randn({4, 3, 2, 2}), ones({3}), zeros({3}), zeros({3}), ones({3})}, Attrs{{1}, {0.1, 1e-5}});
  g.add_node(OpKind::batch_norm, Attrs{{1}, {0.1, 1e-5}}, {x, w, b, rm, rv}, bn_meta);
  g.add_node(OpKind::batch_norm, Attrs{{1}, {0.1, 1e-5}}, {x, w, b, rm, rv}, bn_meta);
  g.set_outputs({g.nodes()[0].outputs[0], g.nodes()[1].outputs[0]});
  ASSERT_EQ(verify_error(g), "");
  EXPECT_FALSE(CommonSubexpressionElimination().run(g));
  EXPECT_EQ(g.nodes().size(), 4u);
  // Neither batch_norm is used by an output, but they update running stats.
  DeadCodeElimination().run(g);
  EXPECT_EQ(g.nodes().size(), 4u);
}

TEST(GraphPasses, ConstantFoldingRunsConstantNodesOnce) {
  Graph g = example_graph();
  const Tensor x = randn({2, 3});
  const Tensor want = run1(g, x);
  EXPECT_TRUE(ConstantFolding().run(g));
  for (const Node& n : g.nodes()) EXPECT_NE(n.kind, OpKind::add_scalar);
  EXPECT_EQ(verify_error(g), "");
  EXPECT_TRUE(allclose(run1(g, x), want));
}

TEST(GraphPasses, ConstantFoldingSkipsParametersAndRandomOps) {
  Graph g;
  const int x = g.add_input(DType::f32, {3}, {3});
  const int p = g.add_capture(ones({3}), false);  // a parameter: may change between calls
  g.add_node(OpKind::exp, {}, {p}, {meta({3})});
  const int e = out0(g);
  g.add_node(OpKind::rand, Attrs{{3, 1, 0}, {}}, {}, {meta({3})});
  const int r = out0(g);
  g.add_node(OpKind::full, Attrs{{3}, {2.0}}, {}, {meta({3})});
  const int f = out0(g);
  g.add_node(OpKind::add, {}, {x, e}, {meta({3})});
  const int s = out0(g);
  g.add_node(OpKind::add, {}, {s, r}, {meta({3})});
  const int s2 = out0(g);
  g.add_node(OpKind::mul, {}, {s2, f}, {meta({3})});
  g.set_outputs({out0(g)});
  ASSERT_EQ(verify_error(g), "");
  const Tensor xin = randn({3});
  const Tensor want = run1(g, xin);
  EXPECT_TRUE(ConstantFolding().run(g));
  std::vector<OpKind> kinds;
  for (const Node& n : g.nodes()) kinds.push_back(n.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::exp, OpKind::rand, OpKind::add, OpKind::add, OpKind::mul}));
  EXPECT_TRUE(allclose(run1(g, xin), want));
}

TEST(GraphPasses, PassManagerRunsPipelineToFixpoint) {
  Graph g = example_graph();
  const Tensor x = randn({2, 3});
  const Tensor want = run1(g, x);
  const auto log = PassManager::default_pipeline().run(g);
  EXPECT_EQ(PassManager::default_pipeline().names(),
            (std::vector<std::string>{"constant-folding", "cse", "dce", "fusion-scheduling"}));
  ASSERT_FALSE(log.empty());
  EXPECT_TRUE(log[0].changed);
  EXPECT_EQ(g.nodes().size(), 3u);  // tanh, mul, add
  EXPECT_TRUE(allclose(run1(g, x), want));
}

// exp(tanh(x)) + linear(tanh(x)) and -exp(sum(tanh(x))), written
// interleaved: a run goes on while an op of its shape is ready (tanh, exp),
// then the ready non-elementwise nodes run (linear, sum), then the next runs
// (exp, neg over [4]); the graph computes the same values.
TEST(GraphPasses, RegistryBuildsPipelinesByName) {
  EXPECT_EQ(PassManager::from_names("dce,cse").names(), (std::vector<std::string>{"dce", "cse"}));
  EXPECT_THROW(PassManager::from_names("dce,inline"), ValueError);
  for (const std::string& name : pass_registry().names())
    EXPECT_EQ(pass_registry().make(name, Args())->name(), name);
}

TEST(GraphPasses, FusionSchedulingGroupsElementwiseRuns) {
  Graph g;
  const int x = g.add_input(DType::f32, {4, 3}, {4, 3});
  const int w = g.add_capture(randn({3, 3}), false);
  g.add_node(OpKind::tanh, {}, {x}, {meta({4, 3})});
  const int t = out0(g);
  g.add_node(OpKind::linear, {}, {t, w}, {meta({4, 3})});
  const int l = out0(g);
  g.add_node(OpKind::sum, Attrs{{1, 0}, {}}, {t}, {meta({4})});  // another shape, interleaved
  const int s = out0(g);
  g.add_node(OpKind::exp, {}, {s}, {meta({4})});
  const int e4 = out0(g);
  g.add_node(OpKind::exp, {}, {t}, {meta({4, 3})});
  const int e = out0(g);
  g.add_node(OpKind::neg, {}, {e4}, {meta({4})});
  const int n4 = out0(g);
  g.add_node(OpKind::add, {}, {e, l}, {meta({4, 3})});
  g.set_outputs({out0(g), n4});
  const Tensor xin = randn({4, 3});
  const auto before = Executor(std::make_shared<const Graph>(g)).run({xin});
  EXPECT_TRUE(FusionScheduling().run(g));
  ASSERT_EQ(verify_error(g), "");
  std::vector<OpKind> kinds;
  for (const Node& node : g.nodes()) kinds.push_back(node.kind);
  EXPECT_EQ(kinds, (std::vector<OpKind>{OpKind::tanh, OpKind::exp, OpKind::linear, OpKind::sum, OpKind::exp,
                                        OpKind::neg, OpKind::add}));
  const auto after = Executor(std::make_shared<const Graph>(g)).run({xin});
  EXPECT_TRUE(allclose(after[0], before[0]) && allclose(after[1], before[1]));
  EXPECT_FALSE(FusionScheduling().run(g));  // already scheduled
}

TEST(GraphPasses, FusionSchedulingKeepsGraphsWithRandomOps) {
  Graph g;
  const int x = g.add_input(DType::f32, {4}, {4});
  g.add_node(OpKind::dropout, Attrs{{1, 0}, {0.5}}, {x}, {meta({4})});
  const int d = out0(g);
  g.add_node(OpKind::sum, Attrs{{0, 0}, {}}, {x}, {meta({})});
  g.add_node(OpKind::exp, {}, {d}, {meta({4})});
  g.set_outputs({out0(g)});
  EXPECT_FALSE(FusionScheduling().run(g));
}

}  // namespace
}  // namespace tern::graph
