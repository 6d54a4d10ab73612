// Every differentiable op in the op table (tern/ops/op_db.h) against
// central finite differences (f64), and a gradient whose routing finite
// differences cannot see (ties in max pooling).
#include <gtest/gtest.h>

#include "tern/autograd/engine.h"
#include "tern/autograd/gradcheck.h"
#include "tern/ops/op_db.h"
#include "tern/ops/ops.h"

namespace tern {
namespace {

using op_db::Inputs;
using op_db::OpCase;

TEST(OpDb, GradientsMatchFiniteDifferences) {
  for (const OpCase& c : op_db::cases()) {
    if (!c.differentiable) continue;
    Inputs in = c.inputs(DType::f64);
    for (size_t i = 0; i < in.size(); ++i)
      if (!c.no_grad_inputs.count(static_cast<int>(i))) in[i].set_requires_grad(true);
    const auto r = autograd::gradcheck(c.call, in, c.eps, c.eps > 1e-6 ? 1e-4 : 1e-5);
    EXPECT_TRUE(r.ok) << op_name(c.kind) << ": " << r.message;
  }
}

// A window with tied maxima sends its whole gradient to the first of them
// in row-major order (as the forward pass picked it).
TEST(OpGradients, MaxPoolRoutesGradientToTheFirstMaximum) {
  const Tensor x = Tensor::from_vector<float>({1, 5, 5, 2, 0, 0, 3, 3, 7, 1, 2, 2, 7, 7, 2, 2}, {1, 1, 4, 4});
  Tensor xr = x.detach().set_requires_grad();
  autograd::backward(sum(max_pool2d(xr, 2)));
  EXPECT_EQ(xr.grad().to_vector<float>(), (std::vector<float>{0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace tern
