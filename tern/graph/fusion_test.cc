// Elementwise fusion on the planned path: fused runs give the eager values,
// including outputs and values read after a run, single-element operands,
// and non-contiguous arguments (which fall back to one kernel per node).
#include <gtest/gtest.h>

#include "tern/autograd/grad_mode.h"
#include "tern/base/parallel.h"
#include "tern/graph/function.h"
#include "tern/graph/fusion.h"
#include "tern/ops/dispatch.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using Ts = std::vector<Tensor>;

Ts body(const Ts& a) {
  const Tensor& x = a[0];
  const Tensor& y = a[1];
  const Tensor t = tanh(x) * 0.5 + sigmoid(y);            // a run
  const Tensor u = exp(neg(abs(t))) - relu(x) / (y * y + 1.0);
  const Tensor s = sum(u, {1}, true);                       // breaks the run; reads u
  const Tensor w = maximum(u, t) * Tensor::scalar(3.0f) + minimum(sqrt(abs(x)), pow_scalar(y, 2.0));
  return {w, s, t, sin(w) + cos(w) - log(abs(w) + 1.0)};
}

TEST(Fusion, FusedRunsEqualEager) {
  NoGradGuard no_grad;
  auto f = function(body);
  const Ts a = {randn({5, 300}), randn({5, 300})};  // 1500 elements: several chunks
  f(a);
  Executor fused(f.last_graph()), unfused(f.last_graph(), true, false);
  for (int k = 0; k < 3; ++k) {
    const Ts in = {randn({5, 300}), randn({5, 300})};
    const Ts want = body(in), got = fused.run(in), plain = unfused.run(in);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_TRUE(allclose(got[i], want[i], 1e-5, 1e-6)) << "output " << i << " call " << k;
      EXPECT_TRUE(allclose(plain[i], want[i], 1e-5, 1e-6)) << "output " << i << " call " << k;
    }
  }
  EXPECT_GE(fused.fused_nodes(), 10);
  EXPECT_EQ(unfused.fused_nodes(), 0);
}

// Tiny layers as in L2HMC: small linears join the elementwise runs (with
// and without bias); a linear reading a value made earlier in the run
// starts a new run.
Ts tiny_layers(const Ts& a) {
  const Tensor h = relu(linear(a[0], a[1], a[2]));              // [16, 10]
  const Tensor s = tanh(linear(h, a[3])) * 0.5, t = linear(h, a[3], a[4]);  // [16, 2]
  const Tensor u = linear(s, a[5]) + s * exp(t);                 // reads s from the run
  return {u - a[0], t};
}

TEST(Fusion, SmallLinearsJoinRuns) {
  NoGradGuard no_grad;
  const auto args = [] { return Ts{randn({16, 2}), randn({10, 2}), randn({10}), randn({2, 10}), randn({2}), randn({2, 2})}; };
  auto f = function(tiny_layers);
  f(args());
  Executor fused(f.last_graph()), unfused(f.last_graph(), true, false);
  for (int k = 0; k < 3; ++k) {
    const Ts in = args();
    const Ts want = tiny_layers(in), got = fused.run(in), plain = unfused.run(in);
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_TRUE(allclose(got[i], want[i], 1e-5, 1e-6)) << "output " << i << " call " << k;
      EXPECT_TRUE(allclose(plain[i], want[i], 1e-5, 1e-6)) << "output " << i << " call " << k;
    }
  }
  EXPECT_GE(fused.fused_nodes(), static_cast<int64_t>(f.last_graph()->nodes().size()) - 1);
}

// A run longer than kFusedParallelGrain is split over threads at chunk
// boundaries: same values as eager.
TEST(Fusion, LongRunsSplitOverThreadsEqualEager) {
  NoGradGuard no_grad;
  const int threads = num_threads();
  set_num_threads(2);
  auto f = function(body);
  const Ts a = {randn({7, 10001}), randn({7, 10001})};  // 70007 elements: two threads, a partial last chunk
  f(a);
  Executor fused(f.last_graph());
  for (int k = 0; k < 2; ++k) {
    const Ts got = fused.run(a), want = body(a);
    for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(allclose(got[i], want[i], 1e-5, 1e-6)) << "output " << i;
  }
  EXPECT_GE(fused.fused_nodes(), 10);
  set_num_threads(threads);
}

// Every op of the unary, scalar and binary families (ops.def) is fusable,
// and a fused run of it gives the eager op's values: the op, then
// mul_scalar(1), on positive inputs (inside every op's domain).
TEST(Fusion, EveryElementwiseOpFusesAndEqualsEager) {
  NoGradGuard no_grad;
  int ops = 0;
  for (int k = 0; k < kNumOps; ++k) {
    const OpKind kind = static_cast<OpKind>(k);
    const OpFamily family = op_traits(kind).family;
    if (family != OpFamily::unary && family != OpFamily::scalar && family != OpFamily::binary) continue;
    ++ops;
    EXPECT_TRUE(fusable_kind(kind)) << op_name(kind);
    // pow_scalar's 2 takes its own path (x * x), as in the reference kernel.
    const std::vector<double> scalars = family == OpFamily::scalar ? std::vector<double>{1.7, 2.0} : std::vector<double>{};
    for (size_t variant = 0; variant < std::max<size_t>(scalars.size(), 1); ++variant) {
      const Attrs attrs{{}, scalars.empty() ? std::vector<double>{} : std::vector<double>{scalars[variant]}};
      const auto step = [&](const Ts& a) {
        const Tensor y = family == OpFamily::binary ? dispatch1(kind, {a[0], a[1]}, attrs) : dispatch1(kind, {a[0]}, attrs);
        return Ts{mul_scalar(y, 1.0)};
      };
      const auto positive = [] { return add_scalar(rand({5, 300}), 0.5); };  // several chunks
      auto f = function(step);
      f({positive(), positive()});
      Executor fused(f.last_graph());
      const Ts in = {positive(), positive()};
      const Tensor got = fused.run(in)[0], want = step(in)[0];
      EXPECT_EQ(fused.fused_nodes(), 2) << op_name(kind);
      EXPECT_TRUE(allclose(got, want, 1e-6, 1e-7)) << op_name(kind) << ": " << got.to_string() << " vs " << want.to_string();
    }
  }
  EXPECT_GE(ops, 19);  // neg .. cos, the three with a scalar, add .. minimum
}

TEST(Fusion, NonContiguousArgumentFallsBack) {
  NoGradGuard no_grad;
  auto f = function(body);
  f({randn({5, 8}), randn({5, 8})});
  Executor fused(f.last_graph());
  const Tensor xt = transpose(randn({8, 5}), 0, 1);  // [5, 8], not contiguous
  const Tensor y = randn({5, 8});
  for (int k = 0; k < 2; ++k) {
    const Ts got = fused.run({xt, y}), want = body({xt, y});
    for (size_t i = 0; i < want.size(); ++i) EXPECT_TRUE(allclose(got[i], want[i], 1e-5, 1e-6)) << "output " << i;
  }
}

}  // namespace
}  // namespace tern::graph
