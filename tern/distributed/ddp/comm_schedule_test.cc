// The local SGD / AdaComm schedule without communication: the rule, the
// choice of tau0, decisions at fixed intervals on a fake clock, the state a
// checkpoint keeps (a resumed schedule continues the same tau sequence), and
// the state-file reader on malformed input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <sstream>

#include "tern/base/error.h"
#include "tern/distributed/ddp/comm_schedule.h"
#include "tern/distributed/ddp/local_sgd.h"

namespace tern::distributed::ddp {
namespace {

TEST(AdaCommRule, Values) {
  EXPECT_EQ(adacomm_period(20, 2.3, 0.1, 2.3, 0.1), 20);
  EXPECT_EQ(adacomm_period(20, 2.0, 0.1, 0.5, 0.1), 10);       // sqrt(1/4) * 20
  EXPECT_EQ(adacomm_period(20, 2.0, 0.1, 0.5, 0.05), 8);       // ceil(sqrt(1/8) * 20) = ceil(7.07)
  EXPECT_EQ(adacomm_period(20, 2.0, 0.1, 2.0, 0.05), 15);      // ceil(14.14)
  EXPECT_EQ(adacomm_period(20, 2.0, 0.1, 0.0, 0.1), 1);        // never below 1
  EXPECT_EQ(adacomm_period(7, 1.0, 0.1, 1.0 + 1e-9, 0.1), 8);  // ceil: a hair above rounds up
  EXPECT_THROW(adacomm_period(0, 1, 1, 1, 1), ValueError);
  EXPECT_THROW(adacomm_period(5, 0, 1, 1, 1), ValueError);
}

TEST(AdaCommRule, Tau0FromRatio) {
  EXPECT_EQ(choose_tau0(0.010, 0.100).tau0, 10);
  EXPECT_EQ(choose_tau0(0.010, 0.1001).tau0, 11);
  EXPECT_EQ(choose_tau0(0.010, 0.0001).tau0, 1);
  EXPECT_EQ(choose_tau0(0.001, 100.0).tau0, 1000);
  EXPECT_NE(choose_tau0(0.010, 0.100).reason.find("ratio 10.00"), std::string::npos);
  EXPECT_THROW(choose_tau0(0.0, 1.0), ValueError);
}

TEST(CommSchedule, FixedAndBadInput) {
  EXPECT_EQ(CommSchedule::fixed(5).tau(), 5);
  EXPECT_FALSE(CommSchedule::fixed(5).adaptive());
  EXPECT_THROW(CommSchedule::fixed(0), ValueError);
  EXPECT_THROW(CommSchedule::adaptive(4, 0.0), ValueError);
  EXPECT_THROW(CommSchedule::adaptive(4, -1.0), ValueError);
  EXPECT_THROW(CommSchedule::adaptive(4, std::nan("")), ValueError);
}

// A run on a fake clock: a sync every `dt` seconds, the loss falling as
// 2.3 / (1 + t), the learning rate halving at t = 30. Returns the syncs.
std::vector<SyncRecord> simulate(CommSchedule& s, int64_t from_round, int64_t to_round, double dt) {
  std::vector<SyncRecord> out;
  for (int64_t r = from_round; r <= to_round; ++r) {
    const double t = dt * r, loss = 2.3 / (1 + t), lr = t < 30 ? 0.1 : 0.05;
    SyncRecord rec;
    rec.round = r;
    rec.epoch = 1;
    rec.step = r * 10;
    rec.seconds = t;
    rec.tau = s.tau();
    rec.steps = s.tau();
    rec.loss = loss;
    rec.lr = lr;
    if (s.due(t)) {
      s.apply({r, rec.step, t, loss, lr, s.propose(loss, lr)});
      rec.decided = true;
    }
    rec.next_tau = s.tau();
    out.push_back(rec);
  }
  return out;
}

TEST(CommSchedule, DecisionsAtIntervalsRecomputedFromTheLog) {
  CommSchedule s = CommSchedule::adaptive(40, 5.0);
  s.begin(40, 2.3, 0.1, 0.0, 0, 0);
  const std::vector<SyncRecord> syncs = simulate(s, 1, 99, 0.7);
  // Decisions at the first sync at or after 5, 10, ..., 65 (the last sync is at 69.3 s).
  ASSERT_EQ(s.decisions().size(), 1u + 13u);
  for (size_t i = 1; i < s.decisions().size(); ++i) {
    EXPECT_GE(s.decisions()[i].seconds, 5.0 * i);
    EXPECT_LT(s.decisions()[i].seconds, 5.0 * i + 0.7);
  }
  // The CSV log alone gives back every period: parse it and recompute.
  std::istringstream csv(sync_records_csv(syncs));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "round,epoch,step,seconds,tau,steps,loss,lr,bytes_sent,decided,next_tau");
  int decided = 0;
  int64_t tau_before = 40;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    ASSERT_EQ(f.size(), 11u);
    EXPECT_EQ(std::stoll(f[4]), tau_before);
    const double loss = std::strtod(f[6].c_str(), nullptr), lr = std::strtod(f[7].c_str(), nullptr);
    const int64_t next = std::stoll(f[10]);
    if (f[9] == "1") {
      ++decided;
      EXPECT_EQ(next, adacomm_period(40, 2.3, 0.1, loss, lr)) << line;
    } else {
      EXPECT_EQ(next, tau_before) << line;
    }
    tau_before = next;
  }
  EXPECT_EQ(decided, 13);
  // The periods fell with the loss and again with the learning rate.
  EXPECT_LT(s.tau(), 40);
  EXPECT_GE(s.tau(), 1);
}

TEST(CommSchedule, ResumedScheduleContinuesTheSameSequence) {
  CommSchedule whole = CommSchedule::adaptive(30, 3.0);
  whole.begin(30, 2.3, 0.1, 0.0, 0, 0);
  simulate(whole, 1, 120, 0.45);

  CommSchedule first = CommSchedule::adaptive(30, 3.0);
  first.begin(30, 2.3, 0.1, 0.0, 0, 0);
  simulate(first, 1, 57, 0.45);
  const std::string saved = first.to_json().dump();
  CommSchedule resumed = CommSchedule::from_json(nlohmann::json::parse(saved), "state");
  EXPECT_EQ(resumed.tau(), first.tau());
  simulate(resumed, 58, 120, 0.45);
  ASSERT_EQ(resumed.decisions().size(), whole.decisions().size());
  for (size_t i = 0; i < whole.decisions().size(); ++i) {
    EXPECT_EQ(resumed.decisions()[i].tau, whole.decisions()[i].tau) << i;
    EXPECT_EQ(resumed.decisions()[i].round, whole.decisions()[i].round) << i;
  }
}

TEST(CommSchedule, SyncRecordsRoundTrip) {
  CommSchedule s = CommSchedule::adaptive(12, 2.0);
  s.begin(12, 2.0, 0.1, 0.0, 0, 0);
  const std::vector<SyncRecord> syncs = simulate(s, 1, 30, 0.33);
  const std::vector<SyncRecord> back = sync_records_from_json(sync_records_json(syncs), "t");
  ASSERT_EQ(back.size(), syncs.size());
  for (size_t i = 0; i < syncs.size(); ++i) {
    EXPECT_EQ(back[i].loss, syncs[i].loss);
    EXPECT_EQ(back[i].next_tau, syncs[i].next_tau);
    EXPECT_EQ(back[i].decided, syncs[i].decided);
  }
}

std::string valid_state() {
  CommSchedule s = CommSchedule::adaptive(12, 2.0);
  s.begin(12, 2.0, 0.1, 0.0, 0, 0);
  const std::vector<SyncRecord> syncs = simulate(s, 1, 8, 0.5);
  nlohmann::json j = {{"format", "tern.localsgd.v1"}, {"epochs_done", 1}, {"round", 8}, {"step", 80},
                      {"clock", 4.0}, {"bytes_sent", 1e6}, {"tau0_reason", "given"}};
  j["schedule"] = s.to_json();
  j["syncs"] = sync_records_json(syncs);
  return j.dump();
}

TEST(LocalSgdState, ReadsWhatItWrites) {
  const LocalSgdResume r = read_local_sgd_state(valid_state(), "f");
  EXPECT_EQ(r.epochs_done, 1);
  EXPECT_EQ(r.round, 8);
  EXPECT_EQ(r.syncs.size(), 8u);
  EXPECT_TRUE(r.schedule.adaptive());
  EXPECT_EQ(r.schedule.decisions().front().tau, 12);
}

// Truncations and random byte changes: a clean tern::IOError or a state
// that parses, never another exception or a crash.
TEST(LocalSgdState, MalformedFilesAreRefusedCleanly) {
  const std::string good = valid_state();
  auto check = [](const std::string& text) {
    try {
      read_local_sgd_state(text, "f");
    } catch (const IOError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "unexpected exception " << e.what() << " for " << text.substr(0, 200);
    }
  };
  for (size_t n = 0; n < good.size(); n += 7) check(good.substr(0, n));
  std::mt19937 rng(7);
  const std::string bytes = "0123456789-.eE\"{}[],:xnull \x01\xff";
  for (int trial = 0; trial < 2000; ++trial) {
    std::string t = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) t[rng() % t.size()] = bytes[rng() % bytes.size()];
    check(t);
  }
  EXPECT_THROW(read_local_sgd_state("{}", "f"), IOError);
  nlohmann::json j = nlohmann::json::parse(good);
  j["schedule"]["tau"] = 0;
  EXPECT_THROW(read_local_sgd_state(j.dump(), "f"), IOError);
  j = nlohmann::json::parse(good);
  j["syncs"]["loss"].erase(0);
  EXPECT_THROW(read_local_sgd_state(j.dump(), "f"), IOError);
}

}  // namespace
}  // namespace tern::distributed::ddp
