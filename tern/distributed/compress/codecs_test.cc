// Every registered codec: round trip, size bound, error feedback and
// determinism; then what is particular to each.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>

#include "tern/base/error.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/codec.h"
#include "tern/core/half.h"

namespace tern::distributed::compress {
namespace {

std::vector<float> gaussian(size_t n, uint64_t seed) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = Philox::normal(seed, i);
  return v;
}

double norm2(const std::vector<float>& v) {
  double s = 0;
  for (float f : v) s += double{f} * f;
  return std::sqrt(s);
}

TEST(Registry, ListsAndRejects) {
  std::set<std::string> names;
  for (const auto& c : codec_registry()) names.insert(c.name);
  for (const char* want : {"none", "fp16", "int8", "3lc", "terngrad", "qsgd", "topk", "randomk", "sign", "powersgd"})
    EXPECT_TRUE(names.count(want)) << want;
  try {
    make_codec("zip");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("powersgd"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_codec("qsgd", {{{"levels", "4"}}}), ValueError);
  EXPECT_THROW(make_codec("qsgd", {{{"s", "four"}}}), ValueError);
  EXPECT_THROW(make_codec("topk", {{{"ratio", "0"}}}), ValueError);
  EXPECT_THROW(make_codec("powersgd", {{{"rank", "0"}}}), ValueError);
  CodecArgs a;
  EXPECT_THROW(a.add("novalue"), ValueError);
  EXPECT_THROW(register_codec({"3lc", "dup", {}, codec_registry().entries()[0].make}), ValueError);
}

TEST(AllCodecs, RoundTripSizeAndErrorFeedback) {
  for (const auto& info : codec_registry()) {
    auto codec = make_codec(info.name);
    for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{1000}, size_t{4096}}) {
      SCOPED_TRACE(info.name + " n=" + std::to_string(n));
      const auto x = gaussian(n, 40 + n);
      CodecState st;
      std::vector<uint8_t> s;
      std::vector<float> d(n);
      codec->encode(x, st, s);
      EXPECT_LE(static_cast<int64_t>(s.size()), codec->max_encoded_size(n));
      codec->decode(s, d);
      for (float v : d) ASSERT_TRUE(std::isfinite(v));
      if (n == 0) continue;
      // Error feedback: what was not sent is kept, so dequant + e = x.
      if (codec->error_feedback()) {
        ASSERT_EQ(st.error.size(), n);
        for (size_t i = 0; i < n; ++i) ASSERT_NEAR(d[i] + st.error[i], x[i], 1e-5f * (1 + std::fabs(x[i])));
        std::vector<float> y(n);
        for (size_t i = 0; i < n; ++i) y[i] = x[i] + st.error[i];
        codec->encode(x, st, s);
        codec->decode(s, d);
        for (size_t i = 0; i < n; ++i) ASSERT_NEAR(d[i] + st.error[i], y[i], 1e-5f * (1 + std::fabs(y[i])));
      } else {
        EXPECT_TRUE(st.error.empty());
      }
      // Same input, same state, same stream (random codecs use (seed, step)).
      CodecState a, b;
      std::vector<uint8_t> sa, sb;
      codec->encode(x, a, sa);
      codec->encode(x, b, sb);
      EXPECT_EQ(sa, sb);
      // Non-finite input is an error, not garbage (none is a plain copy).
      if (info.name != "none" && info.name != "fp16") {
        auto bad = x;
        bad[n / 2] = NAN;
        CodecState c;
        EXPECT_THROW(codec->encode(bad, c, s), ValueError);
      }
    }
  }
}

TEST(AllCodecs, ErrorFeedbackSendsTheSumOverSteps) {
  // Over T steps the receiver gets sum(x) - e_T: the error stays bounded
  // while the sum grows, so the relative gap shrinks.
  // (sparsifiers at 10%: at 1% the residual needs ~100 steps to circulate.)
  for (const char* name : {"3lc", "topk", "randomk", "sign", "powersgd"}) {
    const std::string sparse = name;
    auto codec = sparse == "topk" || sparse == "randomk" ? make_codec(name, {{{"ratio", "0.1"}}}) : make_codec(name);
    const size_t n = 1024;
    CodecState st;
    std::vector<uint8_t> s;
    std::vector<float> d(n), sent(n, 0.0f), total(n, 0.0f);
    const auto x = gaussian(n, 77);  // a constant gradient
    for (int t = 0; t < 200; ++t) {
      codec->encode(x, st, s);
      codec->decode(s, d);
      for (size_t i = 0; i < n; ++i) {
        sent[i] += d[i];
        total[i] += x[i];
      }
    }
    std::vector<float> gap(n);
    for (size_t i = 0; i < n; ++i) gap[i] = sent[i] - total[i];
    EXPECT_LT(norm2(gap), 0.2 * norm2(total)) << name;
  }
}

TEST(Fp16, ExactOnHalvesAndRoundsToNearestEven) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = half_to_float(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_half(f), h) << h;
  }
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 0x1p-11f)), 1.0f);  // tie: to even
  EXPECT_EQ(half_to_float(float_to_half(1.0f + 3 * 0x1p-11f)), 1.0f + 0x1p-9f);
  EXPECT_EQ(half_to_float(float_to_half(65519.0f)), 65504.0f);
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(65520.0f))));
  EXPECT_EQ(half_to_float(float_to_half(0x1p-25f)), 0.0f);  // tie below the smallest subnormal
  EXPECT_EQ(half_to_float(float_to_half(0x1p-24f * 1.5f)), 0x1p-23f);
}

TEST(Int8, ErrorAtMostHalfAStep) {
  auto codec = make_codec("int8");
  const auto x = gaussian(3000, 8);
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(x.size());
  codec->encode(x, st, s);
  codec->decode(s, d);
  float scale;
  std::memcpy(&scale, s.data(), 4);
  const float m = std::abs(*std::max_element(x.begin(), x.end(), [](float a, float b) { return std::fabs(a) < std::fabs(b); }));
  EXPECT_FLOAT_EQ(scale, m / 127);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_LE(std::fabs(d[i] - x[i]), scale * 0.5001f);
}

// Stochastic quantisers are unbiased: the mean over many steps approaches x.
void expect_unbiased(const char* name, const CodecArgs& args, double tol) {
  auto codec = make_codec(name, args);
  const size_t n = 200;
  const auto x = gaussian(n, 3);
  std::vector<double> mean(n, 0.0);
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(n);
  const int steps = 4000;
  for (int t = 0; t < steps; ++t) {
    codec->encode(x, st, s);
    codec->decode(s, d);
    for (size_t i = 0; i < n; ++i) mean[i] += d[i] / steps;
  }
  double err = 0;
  for (size_t i = 0; i < n; ++i) err = std::max(err, std::fabs(mean[i] - x[i]));
  EXPECT_LT(err, tol) << name;
}

TEST(TernGrad, UnbiasedTernary) {
  expect_unbiased("terngrad", {}, 0.15);
  auto codec = make_codec("terngrad");
  const auto x = gaussian(999, 4);
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(x.size());
  codec->encode(x, st, s);
  codec->decode(s, d);
  float scale;
  std::memcpy(&scale, s.data(), 4);
  for (float v : d) ASSERT_TRUE(v == 0.0f || std::fabs(v) == scale);
  EXPECT_EQ(s.size(), 4u + 250u);
}

TEST(Qsgd, UnbiasedOnLevels) {
  expect_unbiased("qsgd", {{{"s", "4"}}}, 0.15);
  auto codec = make_codec("qsgd", {{{"s", "7"}}});
  const auto x = gaussian(1000, 5);
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(x.size());
  codec->encode(x, st, s);
  codec->decode(s, d);
  float norm;
  std::memcpy(&norm, s.data(), 4);
  EXPECT_NEAR(norm, norm2(x), 1e-3 * norm2(x));
  for (float v : d) {
    const float level = std::fabs(v) * 7 / norm;
    ASSERT_NEAR(level, std::round(level), 1e-3f);
    ASSERT_LE(std::round(level), 7.0f);
  }
  EXPECT_EQ(s.size(), 4u + 500u);  // 1 sign + 3 level bits
}

TEST(TopK, KeepsTheLargestMagnitudes) {
  auto codec = make_codec("topk", {{{"k", "10"}}});
  const auto x = gaussian(1000, 6);
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(x.size());
  codec->encode(x, st, s);
  codec->decode(s, d);
  std::vector<float> mags(x.size());
  for (size_t i = 0; i < x.size(); ++i) mags[i] = std::fabs(x[i]);
  std::sort(mags.rbegin(), mags.rend());
  int kept = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (d[i] != 0.0f) {
      ++kept;
      EXPECT_EQ(d[i], x[i]);
      EXPECT_GE(std::fabs(x[i]), mags[9]);
    }
  EXPECT_EQ(kept, 10);
  EXPECT_EQ(s.size(), 4u + 80u);
}

TEST(RandomK, KDistinctAndVaryingWithStep) {
  auto codec = make_codec("randomk", {{{"k", "50"}, {"seed", "9"}}});
  const auto x = gaussian(500, 7);
  CodecState st;
  std::vector<uint8_t> s1, s2;
  std::vector<float> d(x.size());
  codec->encode(x, st, s1);
  codec->decode(s1, d);
  EXPECT_EQ(std::count_if(d.begin(), d.end(), [](float v) { return v != 0.0f; }), 50);
  CodecState fresh;
  codec->encode(x, fresh, s2);
  EXPECT_EQ(s1, s2);
  codec->encode(x, fresh, s2);  // step 1: other indices
  EXPECT_NE(std::vector<uint8_t>(s1.begin(), s1.begin() + 204), std::vector<uint8_t>(s2.begin(), s2.begin() + 204));
}

TEST(Sign, ScaledSigns) {
  auto codec = make_codec("sign");
  const auto x = gaussian(1001, 8);
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(x.size());
  codec->encode(x, st, s);
  codec->decode(s, d);
  double l1 = 0;
  for (float v : x) l1 += std::fabs(v);
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_NEAR(std::fabs(d[i]), l1 / x.size(), 1e-5);
    ASSERT_EQ(d[i] >= 0, x[i] >= 0);
  }
  EXPECT_EQ(s.size(), 4u + 126u);
}

TEST(PowerSgd, RecoversALowRankMatrixAndWarmStarts) {
  const int64_t rows = 64, cols = 48;
  std::vector<float> x(rows * cols, 0.0f);
  for (int r = 0; r < 2; ++r)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        x[i * cols + j] += Philox::normal(50 + r, i) * Philox::normal(60 + r, j);
  auto codec = make_codec("powersgd", {{{"rank", "2"}, {"ef", "0"}}});
  CodecState st;
  std::vector<uint8_t> s;
  std::vector<float> d(x.size()), diff(x.size());
  codec->encode(x, st, s, {rows, cols});
  EXPECT_EQ(s.size(), 12u + 4u * 2 * (rows + cols));
  codec->decode(s, d);
  for (size_t i = 0; i < x.size(); ++i) diff[i] = d[i] - x[i];
  EXPECT_LT(norm2(diff), 1e-3 * norm2(x));  // one power step suffices for exact rank 2
  // Warm start on a full-rank matrix: the approximation improves step by step.
  const auto g = gaussian(rows * cols, 90);
  CodecState ws;
  double first = 0, last = 0;
  for (int t = 0; t < 10; ++t) {
    codec->encode(g, ws, s, {rows, cols});
    codec->decode(s, d);
    for (size_t i = 0; i < g.size(); ++i) diff[i] = d[i] - g[i];
    (t == 0 ? first : last) = norm2(diff);
  }
  EXPECT_LT(last, first);
  EXPECT_EQ(ws.aux.size(), static_cast<size_t>(cols * 2));
  EXPECT_THROW(codec->encode(g, ws, s, {rows + 1, cols}), ValueError);
}

TEST(PowerSgd, OneDimensionalShapes) {
  auto codec = make_codec("powersgd", {{{"rank", "1"}}});
  std::vector<uint8_t> s;
  CodecState st;
  const auto x = gaussian(1000, 1);  // 1000 = 40 x 25 by default
  codec->encode(x, st, s);
  uint32_t hdr[3];
  std::memcpy(hdr, s.data(), 12);
  EXPECT_EQ(hdr[0] * hdr[1], 1000u);
  EXPECT_EQ(hdr[1], 25u);
  auto fixed = make_codec("powersgd", {{{"cols", "10"}}});
  CodecState st2;
  fixed->encode(x, st2, s);
  std::memcpy(hdr, s.data(), 12);
  EXPECT_EQ(hdr[0], 100u);
  EXPECT_THROW(make_codec("powersgd", {{{"cols", "7"}}})->encode(x, st2, s), ValueError);
}

}  // namespace
}  // namespace tern::distributed::compress
