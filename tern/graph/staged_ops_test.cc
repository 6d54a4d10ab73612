// Staged == eager for every op in op_db (tern/ops/op_db.h, the table the ops
// layer's own tests use): each row run as a staged function and compared
// with the eager call, outputs and input gradients.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/graph/function.h"
#include "tern/ops/op_db.h"
#include "tern/ops/dispatch.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using op_db::Inputs;
using op_db::OpCase;
Generator& gen() { return op_db::generator(); }

TEST(StagedOps, CoversEveryOp) {
  std::set<OpKind> covered;
  for (const OpCase& c : op_db::cases()) covered.insert(c.kind);
  for (int k = 0; k < kNumOps; ++k)
    EXPECT_TRUE(covered.count(static_cast<OpKind>(k))) << "op " << op_name(static_cast<OpKind>(k)) << " has no row";
}

TEST(StagedOps, StagedEqualsEager) {
  for (const OpCase& c : op_db::cases()) {
    const DType dt = c.kind == OpKind::rand || c.kind == OpKind::randn ? DType::f32 : DType::f64;
    Inputs in = c.inputs(dt);
    if (c.differentiable)
      for (size_t i = 0; i < in.size(); ++i)
        if (is_floating(in[i].dtype()) && !c.no_grad_inputs.count(static_cast<int>(i))) in[i].set_requires_grad(true);
    auto f = function([&](const Inputs& a) { return Inputs{c.call(a)}; }, FunctionOptions{op_name(c.kind)});
    f(in);  // traced
    const Tensor staged = f(in)[0];  // replayed
    const Tensor eager = c.call(in);
    EXPECT_EQ(f.trace_count(), 1) << op_name(c.kind);
    ASSERT_EQ(staged.shape(), eager.shape()) << op_name(c.kind);
    EXPECT_EQ(staged.dtype(), eager.dtype()) << op_name(c.kind);
    EXPECT_TRUE(allclose(staged, eager, 1e-5, 1e-8)) << op_name(c.kind) << ": " << staged.to_string() << " vs "
                                                      << eager.to_string();
    if (!c.differentiable) continue;
    const Tensor w = randn(eager.shape(), gen(), eager.dtype());
    autograd::backward(sum(mul(eager, w)));
    std::vector<Tensor> eager_grads;
    for (Tensor& t : in) {
      eager_grads.push_back(t.requires_grad() ? t.grad() : Tensor());
      t.zero_grad();
    }
    const Tensor staged_again = f(in)[0];
    // The gradient is a staged graph, except where the op's graph returns
    // an argument itself (contiguous of a contiguous tensor): op by op.
    if (f.last_graph()->value(f.last_graph()->outputs()[0]).kind == ValueKind::node_output) {
      EXPECT_NE(f.last_backward(), nullptr) << op_name(c.kind) << ": backward recorded op by op";
    }
    autograd::backward(sum(mul(staged_again, w)));
    for (size_t i = 0; i < in.size(); ++i) {
      if (!eager_grads[i].defined()) continue;
      ASSERT_TRUE(in[i].grad().defined()) << op_name(c.kind) << " input " << i << ": no staged gradient";
      EXPECT_TRUE(allclose(in[i].grad(), eager_grads[i], 1e-5, 1e-8)) << op_name(c.kind) << " input " << i;
    }
  }
}

// The planned path (pre-chosen kernels, planned buffers) against the
// dispatch path on the same graph, twice so the second call reuses the plan.
TEST(StagedOps, PlannedPathEqualsDispatchPath) {
  NoGradGuard no_grad;
  for (const OpCase& c : op_db::cases()) {
    const Inputs in = c.inputs(c.kind == OpKind::rand || c.kind == OpKind::randn ? DType::f32 : DType::f64);
    auto f = function([&](const Inputs& a) { return Inputs{c.call(a)}; }, FunctionOptions{op_name(c.kind)});
    f(in);
    Executor planned(f.last_graph(), true), plain(f.last_graph(), false);
    for (int k = 0; k < 2; ++k) {
      const Tensor a = planned.run(in)[0], b = plain.run(in)[0];
      ASSERT_EQ(a.shape(), b.shape()) << op_name(c.kind);
      EXPECT_TRUE(allclose(a, b, 1e-12, 0)) << op_name(c.kind) << ": " << a.to_string() << " vs " << b.to_string();
    }
    EXPECT_EQ(planned.planned_calls(), 2) << op_name(c.kind);
    EXPECT_EQ(plain.planned_calls(), 0);
  }
}

}  // namespace
}  // namespace tern::graph
