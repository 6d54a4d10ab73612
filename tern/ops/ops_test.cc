// Hand-computed values for ops whose kernels take special paths (the op_db
// checks kernels against each other; these check them against arithmetic).
#include <gtest/gtest.h>

#include "tern/ops/dispatch.h"
#include "tern/ops/ops.h"

namespace tern {

TEST(Ops, SumOverAllButOneDimMatchesHandSums) {
  // x[n, c, i] = 100 n + 10 c + i, shape [2, 3, 4]
  std::vector<float> v;
  for (int n = 0; n < 2; ++n)
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 4; ++i) v.push_back(100 * n + 10 * c + i);
  const Tensor x = Tensor::from_vector(v, {2, 3, 4});
  // per c: sum over n, i = 4*100 + 8*10c + 2*(0+1+2+3)
  EXPECT_EQ(sum(x, {0, 2}).to_vector<float>(), (std::vector<float>{412, 492, 572}));
  EXPECT_EQ(sum(x, {1, 2}).to_vector<float>(), (std::vector<float>{138, 1338}));
  EXPECT_EQ(sum(x, {0, 1}).to_vector<float>(), (std::vector<float>{360, 366, 372, 378}));  // 300 + 60 + 6i
  EXPECT_EQ(mean(x).item(), (412 + 492 + 572) / 24.0);
}

// The gradient op is called directly here (autograd is a layer above; the
// same routing through backward is in tern/autograd/op_gradients_test.cc).
TEST(Ops, MaxPoolTakesTheFirstMaximumAndRoutesGradientThere) {
  const Tensor x = Tensor::from_vector<float>({1, 5, 5, 2, 0, 0, 3, 3, 7, 1, 2, 2, 7, 7, 2, 2}, {1, 1, 4, 4});
  const Pool2dAttrs pool{2, 2, 2, 2, 0, 0};  // 2x2 window, stride 2, no padding
  Tensor out[kMaxOutputs];
  ASSERT_EQ(dispatch(OpKind::max_pool2d, &x, 1, pool.to_attrs(), out), 2);  // values, flat positions
  EXPECT_EQ(out[0].to_vector<float>(), (std::vector<float>{5, 5, 7, 2}));
  const Tensor gx =
      dispatch1(OpKind::max_pool2d_grad, {ones({1, 1, 2, 2}), out[1]}, Pool2dGradAttrs{pool, x.shape()}.to_attrs());
  EXPECT_EQ(gx.to_vector<float>(), (std::vector<float>{0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}));
}

TEST(Ops, ConvMatchesAHandComputedExample) {
  // 1x1x3x3 input, 1x1x2x2 kernel of ones, stride 1: each output sums a 2x2 window.
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3});
  const Tensor w = ones({1, 1, 2, 2});
  EXPECT_EQ(conv2d(x, w).to_vector<float>(), (std::vector<float>{12, 16, 24, 28}));
  EXPECT_EQ(conv2d(x, w, Tensor::from_vector<float>({1}, {1}), 2, 1).to_vector<float>(),
            (std::vector<float>{2, 6, 12, 29}));
}

TEST(Ops, BadArgumentsNameTheProblem) {
  try {
    matmul(ones({2, 3}), ones({4, 5}));
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("inner dimensions"), std::string::npos);
  }
  EXPECT_THROW(add(ones({2}), ones({2}, DType::f64)), TypeError);
  EXPECT_THROW(index_select(ones({3, 2}), 0, Tensor::from_vector<int64_t>({3}, {1})), IndexError);
  EXPECT_THROW(reshape(ones({2, 3}), {4, -1}), ValueError);
  EXPECT_THROW(cross_entropy(ones({2, 3}), Tensor::from_vector<int64_t>({0, 3}, {2})), IndexError);
  // A hand-built call with too few attributes (here conv2d's 7 without the
  // input shape Conv2dGradAttrs adds) is an error, not a wild read.
  EXPECT_THROW(dispatch1(OpKind::conv2d_grad_input, {ones({1, 1, 2, 2}), ones({1, 1, 2, 2})}, Attrs{{1, 1, 0, 0, 1, 1, 1}, {}}),
               IndexError);
  EXPECT_THROW(dispatch1(OpKind::slice, {ones({3})}, Attrs{{0, 1}, {}}), IndexError);
}

}  // namespace tern
