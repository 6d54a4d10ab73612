// Regenerable initialisers: every zoo model's parameters can be recomputed
// from their InitSpec bit-for-bit, and the values are those the op-based
// initialisers (rand/randn, mul_scalar, add_scalar) produced before.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "tern/autograd/grad_mode.h"
#include "tern/nn/init.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::nn {
namespace {

using init::InitSpec;

// Compares `p` with regenerate(spec) chunk by chunk; returns the first differing element or -1.
int64_t first_mismatch(const Tensor& p, const InitSpec& spec) {
  const int64_t n = p.numel(), chunk = 1 << 20;
  if (p.dtype() == DType::f32) {
    std::vector<float> buf(std::min(n, chunk));
    for (int64_t b = 0; b < n; b += chunk) {
      const int64_t c = std::min(chunk, n - b);
      init::regenerate(spec, b, c, buf.data());
      if (std::memcmp(buf.data(), p.data<float>() + b, c * sizeof(float)) != 0)
        for (int64_t i = 0; i < c; ++i)
          if (std::memcmp(&buf[i], p.data<float>() + b + i, sizeof(float)) != 0) return b + i;
    }
  } else {
    std::vector<double> buf(n);
    init::regenerate(spec, 0, n, buf.data());
    for (int64_t i = 0; i < n; ++i)
      if (std::memcmp(&buf[i], p.data<double>() + i, sizeof(double)) != 0) return i;
  }
  return -1;
}

TEST(Init, EveryZooModelRegeneratesBitForBit) {
  for (const ModelSpec& spec : model_zoo()) {
    manual_seed(1234);
    ModulePtr m = spec.make(spec.defaults);
    const auto params = m->named_parameters();
    const auto inits = m->named_inits();
    ASSERT_EQ(params.size(), inits.size()) << spec.name;
    for (size_t i = 0; i < params.size(); ++i) {
      ASSERT_EQ(params[i].first, inits[i].first) << spec.name;
      ASSERT_TRUE(inits[i].second.regenerable()) << spec.name << ": " << params[i].first << " has no initialiser";
      EXPECT_EQ(first_mismatch(params[i].second, inits[i].second), -1) << spec.name << ": " << params[i].first;
    }
  }
}

TEST(Init, ParametersGetDisjointStreams) {
  manual_seed(7);
  ModulePtr m = make_model("lenet5", find_model("lenet5").defaults);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  const auto params = m->named_parameters();
  const auto inits = m->named_inits();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(inits[i].second.seed, 7u);
    ranges.emplace_back(inits[i].second.offset, inits[i].second.offset + params[i].second.numel());
  }
  for (size_t i = 1; i < ranges.size(); ++i) EXPECT_LE(ranges[i - 1].second, ranges[i].first);
}

// The old initialisers: ops on default_generator().
Tensor op_uniform(const Shape& s, double lo, double hi, DType dt) {
  NoGradGuard g;
  return add_scalar(mul_scalar(rand(s, default_generator(), dt), hi - lo), lo);
}
Tensor op_normal(const Shape& s, double mean, double std, DType dt) {
  NoGradGuard g;
  return add_scalar(mul_scalar(randn(s, default_generator(), dt), std), mean);
}

// uniform_ / normal_ write what the op-based initialisers write, and
// regenerate() gives it back, whole and from any offset.
void expect_same_values_as_the_op_based_initialisers() {
  for (DType dt : {DType::f32, DType::f64}) {
    // Sizes around the vector paths' 32- and 64-element groups; odd offsets (set_state) too.
    for (int64_t n : {1, 3, 31, 64, 65, 100, 1000, 4099, 100003}) {
      for (uint64_t start : {uint64_t{0}, uint64_t{5}, (uint64_t{1} << 34) - 6}) {
        default_generator().set_state(99, start);
        const Tensor want_u = op_uniform({n}, -0.3, 0.7, dt);
        const Tensor want_n = op_normal({n}, 0.1, 2.5, dt);
        default_generator().set_state(99, start);
        Tensor u = Tensor::empty({n}, dt), g = Tensor::empty({n}, dt);
        const InitSpec su = init::uniform_(u, -0.3, 0.7);
        const InitSpec sn = init::normal_(g, 0.1, 2.5);
        ASSERT_EQ(std::memcmp(u.raw_data(), want_u.raw_data(), u.nbytes()), 0) << n << " " << start;
        ASSERT_EQ(std::memcmp(g.raw_data(), want_n.raw_data(), g.nbytes()), 0) << n << " " << start;
        EXPECT_EQ(first_mismatch(u, su), -1);
        EXPECT_EQ(first_mismatch(g, sn), -1);
        // Any sub-range regenerates alone.
        if (dt == DType::f32 && n > 40) {
          std::vector<float> part(n - 37);
          init::regenerate(su, 37, n - 37, part.data());
          EXPECT_EQ(std::memcmp(part.data(), u.data<float>() + 37, part.size() * 4), 0);
        }
      }
    }
  }
}

TEST(Init, SameValuesAsTheOpBasedInitialisers) {
  // Every vector path this CPU has: capped at scalar, at AVX2, then the best.
  using init::detail::Simd;
  for (Simd limit : {Simd::scalar, Simd::avx2, Simd::avx512}) {
    SCOPED_TRACE(static_cast<int>(limit));
    init::detail::set_simd_limit(limit);
    expect_same_values_as_the_op_based_initialisers();
  }
}

TEST(Init, SpecTextRoundTripsAndBadTextIsRefused) {
  for (const InitSpec& s : {InitSpec{InitSpec::Kind::uniform, -0.035714285714285712, 0.1, 1, 4096},
                            InitSpec{InitSpec::Kind::normal, 0, 0.47140452079103168, 123456789, 8},
                            InitSpec{InitSpec::Kind::constant, 1}, InitSpec{}})
    EXPECT_EQ(InitSpec::parse(s.str(), "init"), s) << s.str();
  for (const char* bad : {"", "uniform", "uniform 1 0 seed 1 offset 0", "normal 0 -1 seed 1 offset 0",
                          "uniform 0 1 seed -1 offset 0", "uniform 0 1 seed 1 offset 0 x", "constant nan",
                          "gauss 0 1 seed 1 offset 0", "uniform 0 1 sead 1 offset 0"}) {
    try {
      InitSpec::parse(bad, "init of 'w'");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find("init of 'w'"), std::string::npos) << e.what();
    }
  }
  std::vector<float> out(4);
  EXPECT_THROW(init::regenerate(InitSpec{}, 0, 4, out.data()), ValueError);
}

}  // namespace
}  // namespace tern::nn
