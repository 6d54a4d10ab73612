// op_db: every op in ops.def has a row here. Each row is checked here three ways:
//  - every registered kernel agrees with the portable reference kernel (f32);
//  - f32 and f64 agree;
//  - the table covers every OpKind (a new op without a row fails the build's tests).
// The finite-difference check of every gradient is in
// tern/autograd/op_gradients_test.cc (autograd is a layer above ops).
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "tern/ops/op_db.h"
#include "tern/ops/dispatch.h"
#include "tern/ops/ops.h"

namespace tern {
namespace {

using op_db::Inputs;
using op_db::OpCase;
Generator& gen() { return op_db::generator(); }

// Runs `call` with each registered kernel forced in turn, by observing the op
// call it makes and replaying it through run_kernel.
struct Capture : OpObserver {
  OpKind want;
  bool seen = false;
  std::vector<Tensor> in;
  Attrs attrs;
  void on_op(OpKind kind, const Tensor* i, int n, const Attrs& a, const Tensor*, int, int64_t) override {
    if (kind != want || seen) return;
    seen = true;
    in.assign(i, i + n);
    for (auto& t : in) t = clone(t.detach());  // batch_norm mutates its running stats: replay on copies
    attrs = a;
  }
};

TEST(OpDb, CoversEveryOp) {
  std::set<OpKind> covered;
  for (const OpCase& c : op_db::cases()) covered.insert(c.kind);
  for (int k = 0; k < kNumOps; ++k)
    EXPECT_TRUE(covered.count(static_cast<OpKind>(k))) << "op " << op_name(static_cast<OpKind>(k)) << " has no op_db row";
}

TEST(OpDb, KernelsAgreeWithReference) {
  for (const OpCase& c : op_db::cases()) {
    const OpDef& def = op_def(c.kind);
    const auto& kernels = def.kernels[0];
    if (kernels.size() < 2) continue;
    Capture cap;
    cap.want = c.kind;
    add_observer(&cap);
    c.call(c.inputs(DType::f32));
    remove_observer(&cap);
    ASSERT_TRUE(cap.seen) << op_name(c.kind);
    Tensor ref[kMaxOutputs];
    int nref = 0;
    ASSERT_TRUE(run_kernel(kernels.back(), c.kind, cap.in.data(), static_cast<int>(cap.in.size()), cap.attrs, ref, &nref));
    for (size_t k = 0; k + 1 < kernels.size(); ++k) {
      Tensor out[kMaxOutputs];
      int nout = 0;
      if (!run_kernel(kernels[k], c.kind, cap.in.data(), static_cast<int>(cap.in.size()), cap.attrs, out, &nout)) continue;
      ASSERT_EQ(nout, nref);
      for (int o = 0; o < nout; ++o)
        EXPECT_TRUE(allclose(out[o], ref[o], 1e-4, 1e-5))
            << op_name(c.kind) << " kernel " << kernels[k].name << " output " << o << ": " << out[o].to_string() << " vs "
            << ref[o].to_string();
    }
  }
}

TEST(OpDb, FloatAndDoubleAgree) {
  for (const OpCase& c : op_db::cases()) {
    if (c.kind == OpKind::rand || c.kind == OpKind::randn) continue;
    Generator saved = gen();
    const Inputs in64 = c.inputs(DType::f64);
    Inputs in32;
    for (const Tensor& t : in64) in32.push_back(is_floating(t.dtype()) ? cast(t, DType::f32) : t);
    const Tensor a = c.call(in64), b = c.call(in32);
    EXPECT_TRUE(allclose(cast(b, a.dtype()), a, 1e-3, 1e-4)) << op_name(c.kind);
    gen() = saved;
  }
}

}  // namespace
}  // namespace tern
