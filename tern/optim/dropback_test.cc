#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <vector>

#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/optim/dropback.h"
#include "tern/optim/factory.h"
#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

using testing::set_grad;

// Three f32 parameters whose initial values come from a pure function.
struct Fixture {
  std::vector<int64_t> sizes{1000, 37, 5003};
  std::vector<ParamRef> params;
  static float w0(size_t p, int64_t i) { return Philox::uniform(100 + p, static_cast<uint64_t>(i)) - 0.5f; }
  InitialValues init = [](size_t p, int64_t b, int64_t c, float* dst) {
    for (int64_t i = 0; i < c; ++i) dst[i] = w0(p, b + i);
  };
  Fixture() {
    for (size_t p = 0; p < sizes.size(); ++p) {
      Tensor t = Tensor::empty({sizes[p]});
      for (int64_t i = 0; i < sizes[p]; ++i) t.data<float>()[i] = w0(p, i);
      t.set_requires_grad(true);
      params.push_back({std::string("p").append(std::to_string(p)), t});
    }
  }
  int64_t total() const { return std::accumulate(sizes.begin(), sizes.end(), int64_t{0}); }
  void set_grads(int step) {
    for (size_t p = 0; p < params.size(); ++p) {
      std::vector<double> g(sizes[p]);
      for (int64_t i = 0; i < sizes[p]; ++i) g[i] = testing::grad_value(step, static_cast<int>(i + 7 * p)) *
                                                  (Philox::uniform(step, i + 10000 * p) < 0.3f ? 3.0 : 0.1);
      set_grad(params[p].param, g);
    }
  }
  // All weights, flattened.
  std::vector<float> flat() const {
    std::vector<float> out;
    for (const ParamRef& r : params) out.insert(out.end(), r.param.data<float>(), r.param.data<float>() + r.param.numel());
    return out;
  }
  std::vector<float> flat_w0() const {
    std::vector<float> out;
    for (size_t p = 0; p < sizes.size(); ++p)
      for (int64_t i = 0; i < sizes[p]; ++i) out.push_back(w0(p, i));
    return out;
  }
};

std::vector<uint8_t> mask_of(const Dropback& db, const Fixture& f) {
  std::vector<uint8_t> m;
  for (size_t p = 0; p < f.sizes.size(); ++p)
    for (int64_t i = 0; i < f.sizes[p]; ++i) m.push_back(db.is_tracked(p, i));
  return m;
}

// The k largest |w - w0| by a full sort (ties: lower index first).
std::vector<uint8_t> reference_topk(const std::vector<float>& w, const std::vector<float>& w0, int64_t k) {
  std::vector<int64_t> idx(w.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    return std::fabs(w[a] - w0[a]) > std::fabs(w[b] - w0[b]);
  });
  std::vector<uint8_t> m(w.size(), 0);
  for (int64_t i = 0; i < k; ++i) m[idx[i]] = 1;
  return m;
}

void check_dropback(const std::string& optimizer, int64_t k) {
  Fixture f;
  auto opt = make_optimizer(optimizer, f.params, OptimizerOptions{.lr = 0.05, .momentum = 0.9});
  Dropback db(*opt, f.init, {.k = k});
  const std::vector<float> w0 = f.flat_w0();
  for (int step = 0; step < 12; ++step) {
    f.set_grads(step);
    opt->step();
    const std::vector<float> before = f.flat();
    db.after_step();
    ASSERT_EQ(db.tracked_count(), k) << optimizer << " step " << step;
    EXPECT_EQ(mask_of(db, f), reference_topk(before, w0, k)) << optimizer << " step " << step;
    const std::vector<float> after = f.flat();
    const std::vector<uint8_t> m = mask_of(db, f);
    for (size_t i = 0; i < after.size(); ++i) {
      const bool tracked = m[i];
      ASSERT_EQ(std::memcmp(&after[i], tracked ? &before[i] : &w0[i], 4), 0) << optimizer << " step " << step << " i " << i;
    }
  }
  std::vector<int64_t> t0 = db.tracked(0);
  EXPECT_TRUE(std::is_sorted(t0.begin(), t0.end()));
  EXPECT_EQ(static_cast<int64_t>(t0.size() + db.tracked(1).size() + db.tracked(2).size()), k);
}

TEST(Dropback, TracksExactlyTheTopKAndResetsTheRestToW0WithSgd) { check_dropback("sgd", 600); }
TEST(Dropback, TracksExactlyTheTopKAndResetsTheRestToW0WithAdam) { check_dropback("adam", 60); }
TEST(Dropback, KOfOneAndKOfAlmostAll) {
  check_dropback("sgd", 1);
  check_dropback("sgd", Fixture().total() - 1);
}

TEST(Dropback, TiesAtTheThresholdStillGiveExactlyK) {
  Fixture f;
  auto opt = make_optimizer("sgd", f.params, OptimizerOptions{.lr = 0.125});
  Dropback db(*opt, f.init, {.k = 777});
  for (ParamRef& r : f.params) set_grad(r.param, std::vector<double>(r.param.numel(), 1.0));
  opt->step();
  db.after_step();
  EXPECT_EQ(db.tracked_count(), 777);
}

TEST(Dropback, SameMaskAndWeightsForAnyThreadCount) {
  std::vector<std::vector<float>> runs;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Fixture f;
    auto opt = make_optimizer("sgd", f.params, OptimizerOptions{.lr = 0.125});
    Dropback db(*opt, f.init, {.k = 2000});
    for (int step = 0; step < 3; ++step) {
      // Equal gradients on a third of the weights: many ties at the threshold.
      f.set_grads(step);
      for (ParamRef& r : f.params) {
        Tensor g = r.param.grad();
        for (int64_t i = 0; i < g.numel(); i += 3) g.data<float>()[i] = 1.0f;
      }
      db.step();
      ASSERT_EQ(db.tracked_count(), 2000);
    }
    runs.push_back(f.flat());
  }
  set_num_threads(0);
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
}

TEST(Dropback, FreezeKeepsTheMask) {
  Fixture f;
  auto opt = make_optimizer("sgd", f.params, OptimizerOptions{.lr = 0.05, .momentum = 0.9});
  Dropback db(*opt, f.init, {.k = 300});
  for (int step = 0; step < 3; ++step) {
    f.set_grads(step);
    db.step();
  }
  db.freeze();
  const std::vector<uint8_t> frozen = mask_of(db, f);
  const std::vector<float> w0 = f.flat_w0();
  bool would_change = false;
  for (int step = 3; step < 10; ++step) {
    f.set_grads(step);
    opt->step();
    would_change |= reference_topk(f.flat(), w0, 300) != frozen;
    db.after_step();
    ASSERT_EQ(mask_of(db, f), frozen);
    const std::vector<float> w = f.flat();
    for (size_t i = 0; i < w.size(); ++i)
      if (!frozen[i]) {
        ASSERT_EQ(std::memcmp(&w[i], &w0[i], 4), 0);
      }
  }
  EXPECT_TRUE(would_change);  // the test would notice a mask that kept moving
}

TEST(Dropback, KAtLeastAllTracksEverything) {
  Fixture f;
  auto opt = make_optimizer("sgd", f.params, OptimizerOptions{.lr = 0.05});
  Dropback db(*opt, f.init, {.k = 1 << 20});
  f.set_grads(0);
  opt->step();
  const std::vector<float> before = f.flat();
  db.after_step();
  EXPECT_EQ(db.tracked_count(), f.total());
  EXPECT_EQ(f.flat(), before);
}

TEST(Dropback, BaselinesFixTheirMaskAndZeroTheRest) {
  for (DropbackBaseline b : {DropbackBaseline::magnitude_init, DropbackBaseline::random_mask}) {
    Fixture f;
    auto opt = make_optimizer("sgd", f.params, OptimizerOptions{.lr = 0.05, .momentum = 0.9});
    Dropback db(*opt, f.init, {.k = 500, .baseline = b, .seed = 5});
    EXPECT_TRUE(db.frozen());
    const std::vector<uint8_t> m = mask_of(db, f);
    EXPECT_EQ(db.tracked_count(), 500);
    const std::vector<float> w0 = f.flat_w0();
    if (b == DropbackBaseline::magnitude_init) {
      std::vector<float> zero(w0.size(), 0.0f);
      EXPECT_EQ(m, reference_topk(w0, zero, 500));
    }
    for (int step = 0; step < 4; ++step) {
      f.set_grads(step);
      db.step();
      EXPECT_EQ(mask_of(db, f), m);
      const std::vector<float> w = f.flat();
      for (size_t i = 0; i < w.size(); ++i)
        if (!m[i]) {
          ASSERT_EQ(w[i], 0.0f) << baseline_name(b);
        }
    }
  }
  // Two random masks of different seeds differ.
  Fixture f1, f2;
  auto o1 = make_optimizer("sgd", f1.params, OptimizerOptions{});
  auto o2 = make_optimizer("sgd", f2.params, OptimizerOptions{});
  Dropback d1(*o1, f1.init, {.k = 500, .baseline = DropbackBaseline::random_mask, .seed = 1});
  Dropback d2(*o2, f2.init, {.k = 500, .baseline = DropbackBaseline::random_mask, .seed = 2});
  EXPECT_NE(mask_of(d1, f1), mask_of(d2, f2));
}

TEST(Dropback, BadArgumentsAreRefused) {
  Fixture f;
  auto opt = make_optimizer("sgd", f.params, OptimizerOptions{});
  EXPECT_THROW(Dropback(*opt, f.init, {.k = 0}), ValueError);
  EXPECT_THROW(Dropback(*opt, InitialValues{}, {.k = 3}), ValueError);
  EXPECT_THROW(parse_baseline("magnitude"), ValueError);
  EXPECT_EQ(parse_baseline("random-mask"), DropbackBaseline::random_mask);
  Tensor d = testing::make_param({1, 2, 3}, DType::f64);
  auto o64 = make_optimizer("sgd", {{"d", d}}, OptimizerOptions{});
  EXPECT_THROW(Dropback(*o64, f.init, {.k = 1}), TypeError);
}

}  // namespace
}  // namespace tern::optim
