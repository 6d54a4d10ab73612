// vector_math.h against double precision: a dense sweep of float inputs
// (every 127th float of the interesting range, plus the edges) and the
// special values. The error bounds are the header's promise.
#include "tern/ops/vector_math.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace tern::ops {
namespace {

// |got - want| in units of the float spacing at `want` (subnormal spacing
// below FLT_MIN); 0 for matching NaNs and infinities.
double ulp_error(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e30;
  if (std::isinf(want) || std::fabs(want) > std::numeric_limits<float>::max())
    return std::isinf(got) && (got > 0) == (want > 0) ? 0 : 1e30;
  const double a = std::fabs(want);
  const double spacing = a < std::numeric_limits<float>::min() ? std::ldexp(1.0, -149) : std::ldexp(1.0, std::ilogb(a) - 23);
  return std::fabs(static_cast<double>(got) - want) / spacing;
}

template <typename F, typename R>
double max_error_over(float lo, float hi, F f, R reference, float* worst_at) {
  double worst = 0;
  const auto sweep = [&](float x) {
    const double e = ulp_error(f(x), reference(static_cast<double>(x)));
    if (e > worst) {
      worst = e;
      *worst_at = x;
    }
  };
  // Floats ordered by value: walk negative and positive halves by bit pattern.
  for (float start : {lo, 0.0f}) {
    const float end = start == lo ? 0.0f : hi;
    uint32_t b = std::bit_cast<uint32_t>(start == lo ? -0.0f : 0.0f);
    const uint32_t last = std::bit_cast<uint32_t>(start == lo ? lo : end);
    for (; b < last; b += 127) sweep(std::bit_cast<float>(b));
    sweep(start == lo ? lo : end);
  }
  return worst;
}

TEST(VectorMath, ExpWithinTwoUlpOverTheWholeRange) {
  float at = 0;
  const double err = max_error_over(-110.0f, 95.0f, vmath::exp, [](double x) { return std::exp(x); }, &at);
  EXPECT_LE(err, 2.0) << "worst at x = " << at;
}

TEST(VectorMath, TanhWithinThreeUlp) {
  float at = 0;
  const double err = max_error_over(-30.0f, 30.0f, vmath::tanh, [](double x) { return std::tanh(x); }, &at);
  EXPECT_LE(err, 3.0) << "worst at x = " << at;
}

TEST(VectorMath, SpecialValues) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(vmath::exp(0.0f), 1.0f);
  EXPECT_EQ(vmath::exp(inf), inf);
  EXPECT_EQ(vmath::exp(100.0f), inf);
  EXPECT_EQ(vmath::exp(-inf), 0.0f);
  EXPECT_EQ(vmath::exp(-200.0f), 0.0f);
  EXPECT_GT(vmath::exp(-100.0f), 0.0f);  // a subnormal, not flushed
  EXPECT_TRUE(std::isnan(vmath::exp(nan)));
  EXPECT_EQ(vmath::tanh(0.0f), 0.0f);
  EXPECT_TRUE(std::signbit(vmath::tanh(-0.0f)));
  EXPECT_EQ(vmath::tanh(inf), 1.0f);
  EXPECT_EQ(vmath::tanh(-inf), -1.0f);
  EXPECT_EQ(vmath::tanh(50.0f), 1.0f);
  EXPECT_TRUE(std::isnan(vmath::tanh(nan)));
  EXPECT_EQ(vmath::tanh(1e-30f), 1e-30f);  // tiny: tanh(x) = x
}

}  // namespace
}  // namespace tern::ops
