// 3LC against a straightforward reference written from the stream format in
// README.md here (element by element, one pass, no SIMD, no threads).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/compress/threelc.h"
#include "tern/distributed/compress/threelc_kernels.h"

namespace tern::distributed::compress {
namespace {

using threelc::Isa;

// The reference: steps 1-6 of the format, literally.
std::vector<uint8_t> reference_encode(const std::vector<float>& x, std::vector<float>& e, float s, bool zero_run) {
  const size_t n = x.size();
  std::vector<float> y(n);
  float M = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    y[i] = x[i] + e[i];
    M = std::max(M, std::fabs(y[i]));
  }
  const float S = M * s;
  std::vector<int> q(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (M != 0.0f) q[i] = 2 * y[i] >= S ? 1 : (2 * y[i] <= -S ? -1 : 0);
    e[i] = y[i] - S * static_cast<float>(q[i]);
  }
  std::vector<uint8_t> groups;
  for (size_t g = 0; 5 * g < n; ++g) {
    int b = 0;
    for (size_t j = 0; j < 5; ++j) b = 3 * b + (5 * g + j < n ? q[5 * g + j] + 1 : 1);
    groups.push_back(static_cast<uint8_t>(b));
  }
  std::vector<uint8_t> out(4);
  std::memcpy(out.data(), &S, 4);
  for (size_t i = 0; i < groups.size();) {
    size_t L = 0;
    while (zero_run && i + L < groups.size() && groups[i + L] == 121) ++L;
    if (L < 2) {
      out.push_back(groups[i++]);
      continue;
    }
    for (size_t k = 0; k < L / 14; ++k) out.push_back(255);
    if (L % 14 >= 2) out.push_back(static_cast<uint8_t>(241 + L % 14));
    if (L % 14 == 1) out.push_back(121);
    i += L;
  }
  return out;
}

std::vector<float> gaussian(size_t n, uint64_t seed, float scale = 1.0f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * Philox::normal(seed, i);
  return v;
}

// Mostly zeros with rare spikes: long zero runs that cross chunk borders.
std::vector<float> spiky(size_t n, uint64_t seed) {
  std::vector<float> v(n, 0.0f);
  for (size_t i = 0; i < n; ++i)
    if (Philox::uniform(seed, i) < 0.002f) v[i] = Philox::normal(seed + 1, i);
  return v;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512})
    if (threelc::isa_supported(isa)) out.push_back(isa);
  return out;
}

struct IsaGuard {
  explicit IsaGuard(Isa isa) { threelc::force_isa(isa); }
  ~IsaGuard() { threelc::unforce_isa(); }
};

struct ThreadGuard {
  explicit ThreadGuard(int n) : old(num_threads()) { set_num_threads(n); }
  ~ThreadGuard() { set_num_threads(old); }
  int old;
};

TEST(ThreeLc, KnownGroupFromTheFormat) {
  // q = (+1, -1, 0, 0, 0): b = 2*81 + 0*27 + 1*9 + 1*3 + 1 = 175.
  std::vector<float> x = {1.0f, -1.0f, 0.0f, 0.25f, -0.25f}, e(5, 0.0f), out(5);
  std::vector<uint8_t> s;
  threelc::encode(x, e, {}, s);
  ASSERT_EQ(s.size(), 5u);
  float S;
  std::memcpy(&S, s.data(), 4);
  EXPECT_EQ(S, 1.0f);
  EXPECT_EQ(s[4], 2 * 81 + 0 * 27 + 9 + 3 + 1);
  threelc::decode(s, out);
  EXPECT_EQ(out, (std::vector<float>{1.0f, -1.0f, 0.0f, 0.0f, 0.0f}));
  EXPECT_EQ(e, (std::vector<float>{0.0f, 0.0f, 0.0f, 0.25f, -0.25f}));
}

TEST(ThreeLc, MatchesReferenceOnEveryPathSizeAndSparsity) {
  const std::vector<size_t> sizes = {0, 1, 4, 5, 6, 39, 40, 41, 79, 80, 81, 161, 1000, 4099 * 5 + 3, 100003};
  for (Isa isa : supported_isas()) {
    IsaGuard guard(isa);
    for (size_t n : sizes)
      for (float s : {1.0f, 1.5f, 1.9f})
        for (bool zr : {true, false}) {
          SCOPED_TRACE(testing::Message() << threelc::isa_name(isa) << " n=" << n << " s=" << s << " zr=" << zr);
          auto x = n % 2 ? gaussian(n, n) : spiky(n, n);
          auto e_ref = gaussian(n, n + 7, 0.1f);
          auto e = e_ref;
          std::vector<uint8_t> got;
          threelc::encode(x, e, {s, zr}, got);
          const auto want = reference_encode(x, e_ref, s, zr);
          ASSERT_EQ(got, want);
          if (n > 0) {
            ASSERT_EQ(0, std::memcmp(e.data(), e_ref.data(), 4 * n));
          }
        }
  }
}

TEST(ThreeLc, IdenticalStreamsAcrossPathsAndThreads) {
  const auto isas = supported_isas();
  std::printf("3lc paths on this CPU:");
  for (Isa isa : isas) std::printf(" %s", threelc::isa_name(isa));
  std::printf("\n");
  for (size_t n : {size_t{1} << 19, (size_t{1} << 19) + 3}) {
    const auto x = n % 2 ? gaussian(n, 11) : spiky(n, 12);
    std::vector<uint8_t> first;
    std::vector<float> first_e;
    for (Isa isa : isas)
      for (int threads : {1, 2, 3}) {
        IsaGuard ig(isa);
        ThreadGuard tg(threads);
        std::vector<float> e(n, 0.0f);
        std::vector<uint8_t> s;
        for (int step = 0; step < 2; ++step) threelc::encode(x, e, {1.9f, true}, s);
        if (first.empty()) {
          first = s;
          first_e = e;
          continue;
        }
        EXPECT_EQ(s, first) << threelc::isa_name(isa) << " threads=" << threads;
        EXPECT_EQ(0, std::memcmp(e.data(), first_e.data(), 4 * n));
        std::vector<float> a(n), b(n);
        threelc::decode(s, a);
        {
          IsaGuard scalar(Isa::kScalar);
          ThreadGuard one(1);
          threelc::decode(s, b);
        }
        EXPECT_EQ(0, std::memcmp(a.data(), b.data(), 4 * n));
      }
  }
}

TEST(ThreeLc, ThreadChunksThatAreAllZeroCarryTheRun) {
  // Non-zero values only near the start and the end: with 3 threads the
  // middle chunk is one zero run that the stitch must merge with its
  // neighbours' open runs.
  const size_t n = (size_t{1} << 19) + 4;
  std::vector<float> x(n, 0.0f);
  x[3] = 1.0f;
  x[n - 2] = -2.0f;
  for (int threads : {1, 2, 3}) {
    ThreadGuard tg(threads);
    std::vector<float> e(n, 0.0f), e_ref(n, 0.0f), d(n);
    std::vector<uint8_t> got;
    threelc::encode(x, e, {1.0f, true}, got);
    EXPECT_EQ(got, reference_encode(x, e_ref, 1.0f, true)) << threads;
    threelc::decode(got, d);
    EXPECT_EQ(d[3], 2.0f);  // S = 2 and 2 * 1 >= S: quantised to +S
    EXPECT_EQ(d[n - 2], -2.0f);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(d[i] + e[i], x[i]);
  }
}

TEST(ThreeLc, RoundTripBoundAndExactErrorFeedback) {
  for (Isa isa : supported_isas()) {
    IsaGuard guard(isa);
    for (float s : {1.0f, 1.3f, 1.99f}) {
      const size_t n = 12347;
      const auto x = gaussian(n, 3);
      std::vector<float> e(n, 0.0f), d(n);
      std::vector<uint8_t> st;
      threelc::encode(x, e, {s, true}, st);
      float S;
      std::memcpy(&S, st.data(), 4);
      threelc::decode(st, d);
      for (size_t i = 0; i < n; ++i) {
        ASSERT_LE(std::fabs(x[i] - d[i]), S / 2) << i;
        ASSERT_EQ(d[i] + e[i], x[i]) << i;  // y = dequant + e, bit for bit
      }
      // Second step: y = x + e_prev, still exactly split.
      std::vector<float> y(n);
      for (size_t i = 0; i < n; ++i) y[i] = x[i] + e[i];
      threelc::encode(x, e, {s, true}, st);
      threelc::decode(st, d);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(d[i] + e[i], y[i]) << i;
    }
  }
}

TEST(ThreeLc, ErrorFeedbackDeliversTheSumOverSteps) {
  const size_t n = 5000;
  std::vector<float> e(n, 0.0f), d(n), sent(n, 0.0f), total(n, 0.0f);
  std::vector<uint8_t> st;
  for (int step = 0; step < 50; ++step) {
    const auto x = gaussian(n, 100 + step);
    threelc::encode(x, e, {1.9f, true}, st);
    threelc::decode(st, d);
    for (size_t i = 0; i < n; ++i) {
      sent[i] += d[i];
      total[i] += x[i];
    }
  }
  for (size_t i = 0; i < n; ++i) ASSERT_NEAR(sent[i] + e[i], total[i], 1e-3f) << i;
}

TEST(ThreeLc, ZeroRunLengthsAroundFourteen) {
  for (int L : {1, 2, 3, 13, 14, 15, 16, 27, 28, 29, 30, 1000}) {
    // group 0 non-zero, L zero groups, then one non-zero group, then L zeros.
    std::vector<float> x(5 * (2 * L + 2), 0.0f);
    x[0] = 1.0f;
    x[5 * (L + 1)] = -1.0f;
    auto e = std::vector<float>(x.size(), 0.0f), e_ref = e;
    std::vector<uint8_t> got;
    threelc::encode(x, e, {}, got);
    EXPECT_EQ(got, reference_encode(x, e_ref, 1.0f, true)) << L;
    const size_t expect_len = 4 + 2 + 2 * (L / 14 + (L % 14 != 0 ? 1 : 0));
    EXPECT_EQ(got.size(), expect_len) << L;
    std::vector<float> d(x.size());
    threelc::decode(got, d);
    EXPECT_EQ(d, x) << L;
  }
}

TEST(ThreeLc, AllZeroTensorIsAllRuns) {
  // 153 groups = 10 runs of 14 + one of 13.
  std::vector<float> x(765, 0.0f), e(765, 0.0f), d(765, 1.0f);
  std::vector<uint8_t> st;
  threelc::encode(x, e, {1.5f, true}, st);
  float S;
  std::memcpy(&S, st.data(), 4);
  EXPECT_EQ(S, 0.0f);
  ASSERT_EQ(st.size(), 4u + 11u);
  for (size_t i = 4; i < st.size(); ++i) EXPECT_EQ(st[i], i < 14 ? 255 : 254);
  threelc::decode(st, d);
  EXPECT_EQ(d, x);
}

TEST(ThreeLc, RejectsNonFiniteInputAndKeepsError) {
  std::vector<float> x = gaussian(100, 5), e = gaussian(100, 6);
  const auto e0 = e;
  x[37] = NAN;
  std::vector<uint8_t> st;
  EXPECT_THROW(threelc::encode(x, e, {}, st), ValueError);
  EXPECT_EQ(0, std::memcmp(e.data(), e0.data(), 400));
  x[37] = INFINITY;
  EXPECT_THROW(threelc::encode(x, e, {}, st), ValueError);
  x[37] = 0.0f;
  EXPECT_THROW(threelc::encode(x, e, {2.0f, true}, st), ValueError);  // s outside [1, 2)
}

TEST(ThreeLc, BadStreamsAreValueErrors) {
  const size_t n = 503;
  auto x = gaussian(n, 9);
  std::vector<float> e(n, 0.0f), d(n);
  std::vector<uint8_t> st;
  threelc::encode(x, e, {}, st);
  auto expect_error = [&](std::vector<uint8_t> bad, const char* needle) {
    try {
      threelc::decode(bad, d);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const ValueError& err) {
      EXPECT_NE(std::string(err.what()).find(needle), std::string::npos) << err.what();
    }
  };
  expect_error({st.begin(), st.begin() + 3}, "truncated");
  expect_error({st.begin(), st.end() - 1}, "truncated");
  auto longer = st;
  longer.push_back(121);
  expect_error(longer, "too long");
  auto bad_s = st;
  const float neg = -1.0f;
  std::memcpy(bad_s.data(), &neg, 4);
  expect_error(bad_s, "S must be finite");
  auto bad_pad = st;
  ASSERT_GT(bad_pad.size(), 4u);
  bad_pad.at(bad_pad.size() - 1) = 242;  // 503 % 5 = 3: the last two digits are padding
  expect_error(bad_pad, "padding");
}

TEST(ThreeLc, CodecInterfaceKeepsStatePerTensor) {
  auto codec = make_codec("3lc", {{{"s", "1.9"}, {"zero_run", "0"}}});
  EXPECT_TRUE(codec->error_feedback());
  const auto x = gaussian(1000, 21);
  CodecState st;
  std::vector<uint8_t> s;
  codec->encode(x, st, s);
  EXPECT_EQ(static_cast<int64_t>(s.size()), codec->max_encoded_size(1000));  // no zero runs
  EXPECT_EQ(st.error.size(), 1000u);
  EXPECT_EQ(st.step, 1u);
  EXPECT_THROW(make_codec("3lc", {{{"s", "2.5"}}}), ValueError);
  EXPECT_THROW(make_codec("3lc", {{{"sparsty", "1.5"}}}), ValueError);
}

}  // namespace
}  // namespace tern::distributed::compress
