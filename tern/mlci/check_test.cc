#include "tern/mlci/check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <unistd.h>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/mlci/decide.h"
#include "tern/mlci/predictions.h"
#include "tern/mlci/state.h"

namespace tern::mlci {
namespace {

namespace fs = std::filesystem;

// A model that is right on a given fraction of examples, decided per example
// by a seeded generator so two models' errors are independent.
std::vector<int64_t> model(const std::vector<int64_t>& labels, double acc, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::bernoulli_distribution right(acc);
  std::vector<int64_t> out(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) out[i] = right(g) ? labels[i] : (labels[i] + 1) % 10;
  return out;
}

class MlciCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("tern_mlci_check_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    std::mt19937_64 g(1);
    labels_.resize(20000);
    for (auto& l : labels_) l = static_cast<int64_t>(g() % 10);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CheckInput input(const std::string& cond, Adaptivity a, int64_t steps, const std::vector<int64_t>& pred) {
    CheckInput in;
    in.config = parse_config("condition: " + cond + "\nreliability: 0.9\nmode: fp-free\nadaptivity: " +
                                 std::string(adaptivity_name(a)) + "\nsteps: " + std::to_string(steps) + "\n",
                             "t.yml");
    in.config.state_dir = dir_;
    in.labels = labels_;
    in.new_pred = pred;
    in.commit = "c" + std::to_string(++commits_);
    return in;
  }

  std::string dir_;
  std::vector<int64_t> labels_;
  int commits_ = 0;
};

TEST(MlciDecide, ModesPlaceTheToleranceOnOppositeSides) {
  Settings s;
  s.condition = parse_condition("n - o > 0.02 +/- 0.01");
  s.mode = Mode::kFpFree;
  EXPECT_FALSE(decide(s, 0.80, 0.775, 0).pass);  // 0.025 < 0.03
  EXPECT_TRUE(decide(s, 0.80, 0.765, 0).pass);   // 0.035 > 0.03
  s.mode = Mode::kFnFree;
  EXPECT_TRUE(decide(s, 0.80, 0.785, 0).pass);   // 0.015 > 0.01
  EXPECT_FALSE(decide(s, 0.80, 0.795, 0).pass);  // 0.005 < 0.01
  s.condition = parse_condition("d < 0.1 +/- 0.02");
  EXPECT_TRUE(decide(s, 0, 0, 0.11).pass);
  s.mode = Mode::kFpFree;
  EXPECT_FALSE(decide(s, 0, 0, 0.09).pass);
  EXPECT_TRUE(decide(s, 0, 0, 0.07).pass);
}

TEST_F(MlciCheck, PassAcceptsModelFailKeepsOldAndBudgetRunsOut) {
  const auto old_pred = model(labels_, 0.70, 11);
  set_baseline(dir_, old_pred, "base");
  // The Hoeffding budget for eps 0.1 at reliability 0.9 with 3 steps fits 20000.
  const std::string cond = "n - o > 0.05 +/- 0.1";
  const auto better = model(labels_, 0.95, 12);
  CheckOutcome r = run_check(input(cond, Adaptivity::kFull, 3, better));
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.report[0];
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_file(accepted_path(dir_)).substr(0, 40), format_classes(better).substr(0, 40));

  const auto worse = model(labels_, 0.90, 13);  // worse than the accepted 0.95 model
  r = run_check(input(cond, Adaptivity::kFull, 3, worse));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(load_state(dir_).accepted_commit, "c1");

  r = run_check(input(cond, Adaptivity::kFull, 3, worse));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.report.back().find("now spent; the next check needs a new test set of at least"), std::string::npos);
  r = run_check(input(cond, Adaptivity::kFull, 3, better));
  EXPECT_EQ(r.verdict, Verdict::kNeedTestSet);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(load_state(dir_).steps_used, 3);

  // A new test set needs the accepted model's predictions on it, then gives
  // a fresh budget.
  labels_[0] = (labels_[0] + 1) % 10;
  EXPECT_THROW(run_check(input(cond, Adaptivity::kFull, 3, model(labels_, 0.99, 14))), ValueError);
  set_baseline(dir_, better, "rebased", fingerprint(labels_));
  r = run_check(input(cond, Adaptivity::kFull, 3, model(labels_, 0.99, 14)));
  EXPECT_NE(r.verdict, Verdict::kNeedTestSet);
  EXPECT_EQ(load_state(dir_).steps_used, 1);
}

TEST_F(MlciCheck, NoneRevealsNothingButSealsTheResult) {
  set_baseline(dir_, model(labels_, 0.70, 21), "base");
  const auto worse = model(labels_, 0.50, 22);
  const CheckOutcome r = run_check(input("n - o > 0.05 +/- 0.1", Adaptivity::kNone, 4, worse));
  EXPECT_EQ(r.verdict, Verdict::kSealed);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.passed);
  for (const auto& line : r.report) {
    EXPECT_EQ(line.find("fail"), std::string::npos) << line;
    EXPECT_EQ(line.find("n="), std::string::npos) << line;
  }
  EXPECT_EQ(load_state(dir_).history.back().result, "sealed");
  EXPECT_NE(read_file(sealed_log_path(dir_)).find("\"result\":\"fail\""), std::string::npos);
}

TEST_F(MlciCheck, FirstChangeRetiresTheTestSet) {
  set_baseline(dir_, model(labels_, 0.70, 31), "base");
  const std::string cond = "n - o > 0.0 +/- 0.1";
  EXPECT_EQ(run_check(input(cond, Adaptivity::kFirstChange, 10, model(labels_, 0.5, 32))).verdict, Verdict::kFail);
  EXPECT_EQ(run_check(input(cond, Adaptivity::kFirstChange, 10, model(labels_, 0.55, 33))).verdict, Verdict::kFail);
  EXPECT_FALSE(load_state(dir_).retired);
  EXPECT_EQ(run_check(input(cond, Adaptivity::kFirstChange, 10, model(labels_, 0.95, 34))).verdict, Verdict::kPass);
  EXPECT_TRUE(load_state(dir_).retired);
  EXPECT_EQ(run_check(input(cond, Adaptivity::kFirstChange, 10, model(labels_, 0.95, 35))).verdict,
            Verdict::kNeedTestSet);
}

TEST_F(MlciCheck, TooSmallTestSetSaysWhatIsNeeded) {
  set_baseline(dir_, model(labels_, 0.70, 41), "base");
  const CheckOutcome r = run_check(input("n - o > 0.02 +/- 0.01", Adaptivity::kFull, 32, model(labels_, 0.8, 42)));
  EXPECT_EQ(r.verdict, Verdict::kNeedTestSet);
  EXPECT_NE(r.report[0].find("the test set has 20000 examples; the condition needs"), std::string::npos) << r.report[0];
  EXPECT_EQ(load_state(dir_).steps_used, 0);
}

// With few disagreements, the hierarchical d test and Bennett's bound let a
// test set far below the Hoeffding size decide, labelling only disagreements.
TEST_F(MlciCheck, HierarchicalTestingUsesFewLabels) {
  const auto old_pred = model(labels_, 0.80, 51);
  set_baseline(dir_, old_pred, "base");
  auto improved = old_pred;
  for (size_t i = 0; i < improved.size(); i += 10) improved[i] = labels_[i];  // fixes ~2% of examples
  CheckInput in = input("n - o > 0.005 +/- 0.01", Adaptivity::kNone, 2, improved);
  in.config.settings.reliability = 0.99;
  const Requirement req = requirement(in.config.settings, 20000, disagreement(improved, old_pred));
  EXPECT_GT(req.baseline.examples, 20000);
  EXPECT_TRUE(req.enough) << req.plan.examples;
  EXPECT_TRUE(req.active_labelling);
  EXPECT_NE(req.plan.lines[1].bound.find("bennett"), std::string::npos);
  in.config.settings.adaptivity = Adaptivity::kFull;
  const CheckOutcome r = run_check(in);
  EXPECT_EQ(r.verdict, Verdict::kPass) << r.report[0];
  EXPECT_NE(r.report[0].find("active labelling"), std::string::npos);
}

TEST_F(MlciCheck, FailingDClauseNeedsNoLabels) {
  const auto old_pred = model(labels_, 0.70, 61);
  set_baseline(dir_, old_pred, "base");
  const auto far = model(labels_, 0.95, 62);  // disagrees with the old model on ~70% of examples
  const CheckOutcome r = run_check(input("d < 0.2 +/- 0.1 /\\ n - o > 0 +/- 0.1", Adaptivity::kFull, 2, far));
  EXPECT_EQ(r.verdict, Verdict::kFail);
  EXPECT_NE(r.report[0].find("(0 labels, failed on d before any label was needed)"), std::string::npos) << r.report[0];
}

TEST_F(MlciCheck, MissingBaselineIsAnError) {
  EXPECT_THROW(run_check(input("n > 0.5 +/- 0.1", Adaptivity::kFull, 2, labels_)), ValueError);
}

}  // namespace
}  // namespace tern::mlci
