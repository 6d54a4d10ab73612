// tern::graph::function: tracing, the signature cache, captures, symbolic
// signatures and their errors.
#include <gtest/gtest.h>

#include <cstring>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/autograd/node.h"
#include "tern/core/allocator.h"
#include "tern/graph/function.h"
#include "tern/graph/printer.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using Ts = std::vector<Tensor>;

TEST(Function, ReplaysTheTracedGraph) {
  const Tensor w = randn({4, 3});
  int python_calls = 0;  // how often the C++ body ran: only when tracing
  auto f = function([&](const Ts& a) {
    ++python_calls;
    return Ts{tanh(matmul(a[0], w)) * 2.0 + a[0].shape()[0]};
  });
  for (int i = 0; i < 3; ++i) {
    const Tensor x = randn({2, 4});
    const Tensor want = tanh(matmul(x, w)) * 2.0 + 2;
    EXPECT_TRUE(allclose(f({x})[0], want, 1e-5, 1e-6));
  }
  EXPECT_EQ(python_calls, 1);
  EXPECT_EQ(f.trace_count(), 1);
  const std::string text = to_text(*f.last_graph());
  EXPECT_NE(text.find("matmul"), std::string::npos) << text;
  EXPECT_NE(text.find("param"), std::string::npos) << text;  // w is captured, not copied
}

TEST(Function, TraceCountEqualsDistinctSignatures) {
  auto f = function([](const Ts& a) { return Ts{sum(a[0] * a[0])}; });
  const std::vector<Shape> shapes = {{2, 3}, {3, 2}, {2, 3}, {4}, {3, 2}, {4}, {2, 3}};
  for (const Shape& s : shapes) f({randn(s)});
  f({randn({4}, default_generator(), DType::f64)});  // a new dtype is a new signature
  EXPECT_EQ(f.trace_count(), 4);
  EXPECT_EQ(f.cache_size(), 4u);
}

TEST(Function, WarnsOnceWhenRetracingOften) {
  auto f = function([](const Ts& a) { return Ts{neg(a[0])}; }, FunctionOptions{"often", true, 5});
  testing::internal::CaptureStderr();
  for (int64_t n = 1; n <= 9; ++n) f({randn({n})});
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(f.trace_count(), 9);
  const size_t at = err.find("'often' has been traced 6 times");
  ASSERT_NE(at, std::string::npos) << err;
  EXPECT_EQ(err.find("has been traced", at + 20), std::string::npos) << "warned twice: " << err;
}

TEST(Function, CapturesParametersByReference) {
  Tensor w = ones({3});
  auto f = function([&](const Ts& a) { return Ts{a[0] * w}; });
  const Tensor x = Tensor::from_vector<float>({1, 2, 3}, {3});
  f({x});
  // An optimiser updates parameters in place; the staged function must see it.
  w.data<float>()[1] = 10;
  EXPECT_EQ(f({x})[0].to_vector<float>(), (std::vector<float>{1, 20, 3}));
  EXPECT_EQ(f.trace_count(), 1);
}

TEST(Function, GradientsThroughStagedCallEqualEager) {
  Tensor w = randn({5, 4}).set_requires_grad(true);
  Tensor b = randn({5}).set_requires_grad(true);
  const auto body = [&](const Ts& a) { return Ts{sum(sigmoid(linear(a[0], w, b)) * a[1])}; };
  auto f = function(body);
  Tensor x = randn({3, 4}).set_requires_grad(true);
  const Tensor y = randn({3, 5});
  f({x, y});  // trace
  autograd::backward(body({x, y})[0]);
  const Tensor gw = w.grad(), gb = b.grad(), gx = x.grad();
  w.zero_grad();
  b.zero_grad();
  x.zero_grad();
  autograd::backward(f({x, y})[0]);  // replay
  EXPECT_TRUE(allclose(w.grad(), gw, 1e-5, 1e-7));
  EXPECT_TRUE(allclose(b.grad(), gb, 1e-5, 1e-7));
  EXPECT_TRUE(allclose(x.grad(), gx, 1e-5, 1e-7));
}

TEST(Function, RandomOpsDrawFreshNumbersLikeEager) {
  auto f = function([](const Ts& a) { return Ts{dropout(a[0], 0.5, true)}; });
  const Tensor x = ones({64});
  manual_seed(11);
  const Tensor eager1 = dropout(x, 0.5, true), eager2 = dropout(x, 0.5, true);
  manual_seed(11);
  const Tensor s1 = f({x})[0], s2 = f({x})[0];
  EXPECT_TRUE(allclose(s1, eager1));
  EXPECT_TRUE(allclose(s2, eager2));  // the replay is a new draw, as eager
  EXPECT_FALSE(allclose(s1, s2));
}

// TF Eager's staged gradient: a call is one tape node whose gradient runs a
// backward graph; its forward graph also returns the values backward reads.
// Two outputs, a captured parameter, and a non-leaf argument whose gradient
// flows on into the eager tape.
TEST(Function, BackwardThroughStagedCallIsOneNodeWithStagedGradient) {
  Tensor w = randn({4, 3}).set_requires_grad(true);
  Tensor x0 = randn({2, 4}).set_requires_grad(true);
  const auto body = [&](const Ts& a) { return Ts{tanh(matmul(a[0], w)), sum(exp(a[0]))}; };
  const auto loss = [](const Ts& out) { return add(sum(mul(out[0], out[0])), mul_scalar(out[1], 3.0)); };
  autograd::backward(loss(body({mul_scalar(x0, 2.0)})));
  const Tensor gw = w.grad(), gx = x0.grad();
  w.zero_grad();
  x0.zero_grad();

  auto f = function(body);
  f({mul_scalar(x0, 2.0)});  // trace
  const Ts s = f({mul_scalar(x0, 2.0)});
  const StagedBackward* sb = f.last_backward();
  ASSERT_NE(sb, nullptr);
  ASSERT_TRUE(s[0].grad_fn() && s[1].grad_fn());
  EXPECT_EQ(s[0].grad_fn()->name(), std::string("staged_call"));
  EXPECT_EQ(s[0].grad_fn(), s[1].grad_fn());  // one node for the whole call
  EXPECT_GT(sb->forward_graph().outputs().size(), 2u) << "the forward graph returns no saved values";
  autograd::backward(loss(s));
  EXPECT_EQ(sb->backward_calls(), 1);
  EXPECT_TRUE(allclose(w.grad(), gw, 1e-5, 1e-7));
  EXPECT_TRUE(allclose(x0.grad(), gx, 1e-5, 1e-7));

  // Off: op by op on the tape, same gradients.
  w.zero_grad();
  x0.zero_grad();
  FunctionOptions op_by_op;
  op_by_op.stage_backward = false;
  auto g = function(body, op_by_op);
  g({mul_scalar(x0, 2.0)});
  const Ts o = g({mul_scalar(x0, 2.0)});
  EXPECT_EQ(g.last_backward(), nullptr);
  EXPECT_NE(o[0].grad_fn()->name(), std::string("staged_call"));
  autograd::backward(loss(o));
  EXPECT_TRUE(allclose(w.grad(), gw, 1e-5, 1e-7));
}

TEST(Function, BackwardAfterTheFunctionIsDestroyedIsAnError) {
  Tensor w = randn({3}).set_requires_grad(true);
  Tensor out;
  {
    auto f = function([&](const Ts& a) { return Ts{sum(a[0] * w)}; });
    f({ones({3})});
    out = f({ones({3})})[0];
  }
  try {
    autograd::backward(out);
    FAIL() << "backward ran";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("destroyed"), std::string::npos) << e.what();
  }
}

TEST(Function, DetachStopsGradientsInStagedCalls) {
  const auto body = [](const Ts& a) { return Ts{sum(exp(a[0]).detach() * a[0]), exp(a[0]).detach()}; };
  auto f = function(body);
  Tensor x = randn({3}).set_requires_grad(true);
  f({x});
  const Ts staged = f({x});
  EXPECT_NE(to_text(*f.last_graph()).find("detach(%"), std::string::npos) << to_text(*f.last_graph());
  EXPECT_FALSE(staged[1].requires_grad() || staged[1].grad_fn());  // a detached output stays detached
  autograd::backward(staged[0]);
  EXPECT_TRUE(allclose(x.grad(), exp(x.detach()), 1e-6, 1e-7));  // no gradient through the detached factor
}

TEST(Function, RejectsNonOpViewOfIntermediate) {
  auto f = function([](const Ts& a) {
    const Tensor e = exp(a[0]);
    return Ts{add(make_view(e, {2}, {1}, 1), a[0])};  // a raw view, not an op
  });
  try {
    f({randn({2})});
    FAIL() << "expected NotImplementedError";
  } catch (const NotImplementedError& e) {
    EXPECT_NE(std::string(e.what()).find("view"), std::string::npos) << e.what();
  }
}

// A training step staged whole: the function returns autograd::grad, so the
// backward ops are traced into the same graph, replayed without a tape.
TEST(Function, StagedBackwardGraphEqualsEager) {
  for (const std::string name : {"mlp", "lenet5", "resnet20"}) {
    manual_seed(3);
    nn::ModulePtr m = nn::make_model(name, nn::find_model(name).defaults);
    const std::vector<Tensor> params = m->parameters();
    const auto step = [&](const Ts& a) {
      const Tensor loss = cross_entropy((*m)(a[0]), a[1]);
      Ts out = autograd::grad(loss, params);
      out.push_back(loss);
      return out;
    };
    auto f = function(step, FunctionOptions{name});
    const Tensor x = randn({2, 1, 28, 28});
    const Tensor y = Tensor::from_vector<int64_t>({1, 7}, {2});
    f({x, y});
    Ts staged;
    {
      NoGradGuard no_grad;  // the graph computes the gradients itself
      staged = f({x, y});
    }
    const Ts eager = step({x, y});
    ASSERT_EQ(staged.size(), params.size() + 1);
    for (size_t k = 0; k < eager.size(); ++k)
      EXPECT_TRUE(allclose(staged[k], eager[k], 1e-5, 1e-7)) << name << " output " << k;
    EXPECT_GT(f.last_graph()->nodes().size(), 2 * params.size()) << name;  // forward and backward ops
    EXPECT_EQ(f.trace_count(), 1);
  }
}

TEST(Function, BadSignatureNamesArgumentAndShapes) {
  auto f = function([](const Ts& a) { return Ts{a[0] + a[1]}; }, {{DType::f32, {-1, 4}}, {DType::f32, {-1, 4}}});
  f({randn({2, 4}), randn({2, 4})});
  try {
    f({randn({3, 4}), randn({3, 5})});
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("argument 1"), std::string::npos) << m;
    EXPECT_NE(m.find("[3, 5]"), std::string::npos) << m;
    EXPECT_NE(m.find("[s0, 4]"), std::string::npos) << m;
  }
  // The same symbolic dim must agree across arguments.
  EXPECT_THROW(f({randn({3, 4}), randn({2, 4})}), ValueError);
  EXPECT_THROW(f({randn({3, 4}, default_generator(), DType::f64), randn({3, 4})}), ValueError);
  EXPECT_THROW(f({randn({3, 4})}), ValueError);
}

// One trace under a -1 batch signature serves 100 batch sizes, outputs and
// parameter gradients equal eager; the gradient is one staged backward
// graph (symbolic too) for every size.
void check_one_trace_serves_all_batches(const std::string& model) {
  manual_seed(1);
  nn::ModulePtr m = nn::make_model(model, nn::find_model(model).defaults);
  auto f = function([&](const Ts& a) { return Ts{cross_entropy((*m)(a[0]), a[1])}; },
                    {{DType::f32, {-1, 1, 28, 28}}, {DType::i64, {-1}}}, FunctionOptions{model});
  const auto params = m->parameters();
  const StagedBackward* backward = nullptr;  // one for every size
  for (int64_t n = 1; n <= 100; ++n) {
    const Tensor x = randn({n, 1, 28, 28});
    std::vector<int64_t> labels;
    for (int64_t i = 0; i < n; ++i) labels.push_back((i * 7) % 10);
    const Tensor y = Tensor::from_vector<int64_t>(labels, {n});
    if (n % 33 != 1) {  // most sizes: inference only (planned path, plan rebuilt per size)
      NoGradGuard no_grad;
      EXPECT_EQ(f({x, y})[0].dim(), 0);
      continue;
    }
    const Tensor staged = f({x, y})[0];  // a few sizes: outputs and gradients
    if (n > 1) {  // after the first call (the trace): a staged backward, the same at every size
      EXPECT_NE(f.last_backward(), nullptr) << model << " batch " << n;
      if (backward == nullptr) backward = f.last_backward();
      EXPECT_EQ(f.last_backward(), backward) << model << " batch " << n;
    }
    autograd::backward(staged);
    std::vector<Tensor> staged_grads;
    for (Tensor p : params) {
      staged_grads.push_back(p.grad());
      p.zero_grad();
    }
    const Tensor eager = cross_entropy((*m)(x), y);
    autograd::backward(eager);
    EXPECT_TRUE(allclose(staged, eager, 1e-5, 1e-6)) << model << " batch " << n;
    for (size_t k = 0; k < params.size(); ++k) {
      EXPECT_TRUE(allclose(staged_grads[k], params[k].grad(), 1e-5, 1e-6)) << model << " batch " << n << " param " << k;
      Tensor(params[k]).zero_grad();
    }
  }
  EXPECT_EQ(f.trace_count(), 1) << model;
  ASSERT_NE(backward, nullptr);
  EXPECT_EQ(backward->backward_calls(), 3) << model;
  EXPECT_EQ(backward->backward_graph().num_symbols(), 1) << model;
  EXPECT_FALSE(f.polymorphism_failed()) << model;
  EXPECT_EQ(f.cache_size(), 1u);
  EXPECT_NE(to_text(*f.last_graph()).find("*s0"), std::string::npos) << to_text(*f.last_graph());
}

TEST(Function, SymbolicBatchMlp) { check_one_trace_serves_all_batches("mlp"); }
TEST(Function, SymbolicBatchLenet5) { check_one_trace_serves_all_batches("lenet5"); }

TEST(Function, SteadyStateCallsReachNoSystemAllocator) {
  manual_seed(2);
  nn::ModulePtr m = nn::make_model("lenet5", nn::find_model("lenet5").defaults);
  auto f = function([&](const Ts& a) { return Ts{cross_entropy((*m)(a[0]), a[1])}; });
  const Tensor x = randn({8, 1, 28, 28});
  const Tensor y = Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 5, 6, 7}, {8});
  for (int k = 0; k < 3; ++k) autograd::backward(f({x, y})[0]);  // trace, then warm the allocator's cache
  EXPECT_NE(f.last_backward(), nullptr);                   // the staged backward is what is measured
  const int64_t before = CpuAllocator::get().stats().num_system_allocs;
  for (int k = 0; k < 5; ++k) autograd::backward(f({x, y})[0]);
  EXPECT_EQ(CpuAllocator::get().stats().num_system_allocs - before, 0);
}

TEST(Function, StagedCallsComposeWithEagerAndEachOther) {
  auto inner = function([](const Ts& a) { return Ts{exp(a[0]) * 0.5}; }, FunctionOptions{"inner"});
  auto outer = function([&](const Ts& a) { return Ts{inner({a[0]})[0] + a[0], a[0]}; }, FunctionOptions{"outer"});
  const Tensor x = randn({4});
  for (int k = 0; k < 3; ++k) {
    const Ts out = outer({x});
    EXPECT_TRUE(allclose(out[0], exp(x) * 0.5 + x, 1e-5, 1e-7));
    EXPECT_TRUE(out[1].same(x));  // an argument returned as is
  }
  EXPECT_EQ(outer.trace_count(), 1);
  EXPECT_EQ(inner.trace_count(), 1);
  // The outer graph inlined the inner one's ops.
  EXPECT_NE(to_text(*outer.last_graph()).find("exp"), std::string::npos);
}

TEST(Function, StagedBackwardServesAllBatchSizes) {
  manual_seed(4);
  nn::ModulePtr m = nn::make_model("mlp", nn::find_model("mlp").defaults);
  const std::vector<Tensor> params = m->parameters();
  const auto step = [&](const Ts& a) { return autograd::grad(cross_entropy((*m)(a[0]), a[1]), params); };
  auto f = function(step, {{DType::f32, {-1, 1, 28, 28}}, {DType::i64, {-1}}}, FunctionOptions{"step"});
  for (int64_t n : {3, 8, 1, 5}) {
    const Tensor x = randn({n, 1, 28, 28});
    std::vector<int64_t> labels(static_cast<size_t>(n), 4);
    const Tensor y = Tensor::from_vector<int64_t>(labels, {n});
    Ts staged;
    if (n == 3) {
      staged = f({x, y});  // the trace needs the tape
    } else {
      NoGradGuard no_grad;
      staged = f({x, y});
    }
    const Ts eager = step({x, y});
    for (size_t k = 0; k < eager.size(); ++k) EXPECT_TRUE(allclose(staged[k], eager[k], 1e-5, 1e-7)) << n << " " << k;
  }
  EXPECT_EQ(f.trace_count(), 1);
  EXPECT_FALSE(f.polymorphism_failed());
}

TEST(Function, FallsBackWhenStructureDependsOnSize) {
  // The number of ops depends on the size: no single graph can serve all.
  auto f = function(
      [](const Ts& a) {
        Tensor t = a[0];
        for (int64_t i = 0; i < a[0].size(0); ++i) t = t * 2.0;
        return Ts{t};
      },
      {{DType::f32, {-1}}}, FunctionOptions{"loop"});
  testing::internal::CaptureStderr();
  for (int64_t n = 1; n <= 3; ++n) EXPECT_TRUE(allclose(f({ones({n})})[0], full({n}, std::pow(2.0, n))));
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("cannot serve all sizes"), std::string::npos) << err;
  EXPECT_TRUE(f.polymorphism_failed());
  EXPECT_EQ(f.trace_count(), 3);
}

TEST(Function, FallsBackWhenAnAttributeIsNotAffine) {
  // reshape's target n*n is quadratic in the symbolic dim n.
  auto f = function([](const Ts& a) { return Ts{reshape(a[0], {a[0].size(0) * a[0].size(1)}) * 3.0}; },
                    {{DType::f32, {-1, -1}}}, FunctionOptions{"square"});
  testing::internal::CaptureStderr();
  for (int64_t n = 2; n <= 4; ++n) {
    const Tensor x = randn({n, n});
    EXPECT_TRUE(allclose(f({x})[0], reshape(x, {n * n}) * 3.0));
  }
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("not affine"), std::string::npos) << err;
  EXPECT_EQ(f.trace_count(), 3);
  EXPECT_THROW(f({randn({2, 3})}), ValueError);  // both dims are symbol s0
}

TEST(Function, SymbolicAttributesFollowTheBatch) {
  // expand and full embed the batch size in their attributes.
  auto f = function(
      [](const Ts& a) {
        const int64_t n = a[0].size(0);
        return Ts{expand(a[1], {n, 3}) + full({n, 3}, 1.0) + a[0]};
      },
      {{DType::f32, {-1, 3}}, {DType::f32, {1, 3}}});
  const Tensor b = randn({1, 3});
  for (int64_t n : {5, 1, 17, 2}) {
    const Tensor x = randn({n, 3});
    EXPECT_TRUE(allclose(f({x, b})[0], (b + 1.0) + x, 1e-5, 1e-6)) << n;
  }
  EXPECT_EQ(f.trace_count(), 1);
  EXPECT_EQ(f.probe_count(), 2);
  EXPECT_FALSE(f.polymorphism_failed());
}

}  // namespace
}  // namespace tern::graph
