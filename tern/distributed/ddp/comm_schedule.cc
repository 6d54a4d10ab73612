#include "tern/distributed/ddp/comm_schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tern/base/error.h"

namespace tern::distributed::ddp {

namespace {

constexpr int64_t kMaxTau = int64_t{1} << 20;

// Reads j[key] as a finite number (IOError naming `what` otherwise).
double number(const nlohmann::json& j, const char* key, const std::string& what) {
  TERN_CHECK_T(IOError, j.is_object() && j.contains(key) && j.at(key).is_number(), what, ": '", key,
               "' is missing or not a number");
  const double v = j.at(key).get<double>();
  TERN_CHECK_T(IOError, std::isfinite(v), what, ": '", key, "' is not finite");
  return v;
}

int64_t integer(const nlohmann::json& j, const char* key, const std::string& what, int64_t min, int64_t max) {
  const double v = number(j, key, what);
  TERN_CHECK_T(IOError, v == std::floor(v) && v >= static_cast<double>(min) && v <= static_cast<double>(max), what,
               ": '", key, "' should be an integer in [", min, ", ", max, "], got ", v);
  return static_cast<int64_t>(v);
}

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

int64_t adacomm_period(int64_t tau0, double loss0, double lr0, double loss, double lr) {
  TERN_CHECK(tau0 >= 1 && loss0 > 0 && lr0 > 0 && loss >= 0 && lr > 0, "adacomm: needs tau0 >= 1, F_0 > 0, ",
             "learning rates > 0 and F_l >= 0; got tau0 ", tau0, ", F_0 ", loss0, ", lr0 ", lr0, ", F_l ", loss,
             ", lr ", lr);
  const double tau = std::ceil(std::sqrt((lr * loss) / (lr0 * loss0)) * static_cast<double>(tau0));
  return std::clamp<int64_t>(static_cast<int64_t>(std::min(tau, static_cast<double>(kMaxTau))), 1, kMaxTau);
}

Tau0Choice choose_tau0(double step_seconds, double allreduce_seconds) {
  TERN_CHECK(step_seconds > 0 && allreduce_seconds >= 0, "adacomm: cannot choose tau0 from a step of ",
             step_seconds, " s and an all-reduce of ", allreduce_seconds, " s");
  Tau0Choice c;
  c.ratio = allreduce_seconds / step_seconds;
  c.tau0 = std::clamp<int64_t>(static_cast<int64_t>(std::ceil(c.ratio)), 1, 1000);
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "one model all-reduce took %.2f ms, one local step %.2f ms (ratio %.2f): tau0 = ceil(ratio) = %lld, "
                "the smallest period at which averaging costs no more than the steps between averages",
                allreduce_seconds * 1e3, step_seconds * 1e3, c.ratio, static_cast<long long>(c.tau0));
  c.reason = buf;
  return c;
}

CommSchedule CommSchedule::fixed(int64_t tau) {
  TERN_CHECK(tau >= 1 && tau <= kMaxTau, "--tau: expected an integer in [1, ", kMaxTau, "], given ", tau);
  CommSchedule s;
  s.tau_ = tau;
  return s;
}

CommSchedule CommSchedule::adaptive(int64_t tau0, double interval_seconds) {
  TERN_CHECK(tau0 >= 0 && tau0 <= kMaxTau, "--tau0: expected an integer in [1, ", kMaxTau, "], given ", tau0);
  TERN_CHECK(std::isfinite(interval_seconds) && interval_seconds > 0,
             "--adacomm-interval: expected seconds > 0, given ", interval_seconds);
  CommSchedule s;
  s.adaptive_ = true;
  s.tau0_ = tau0;
  s.tau_ = tau0 > 0 ? tau0 : 1;
  s.interval_ = interval_seconds;
  return s;
}

void CommSchedule::begin(int64_t tau0, double loss0, double lr0, double seconds, int64_t round, int64_t step) {
  TERN_ASSERT(adaptive_ && decisions_.empty(), "CommSchedule::begin on a fixed or begun schedule");
  TERN_CHECK(loss0 > 0 && std::isfinite(loss0), "adacomm: the initial training loss F_0 must be positive, got ",
             loss0);
  tau0_ = tau0;
  tau_ = tau0;
  next_ = seconds + interval_;
  decisions_.push_back({round, step, seconds, loss0, lr0, tau0});
}

bool CommSchedule::due(double seconds) const { return adaptive_ && begun() && seconds >= next_; }

int64_t CommSchedule::propose(double loss, double lr) const {
  const Decision& d0 = decisions_.front();
  return adacomm_period(tau0_, d0.loss, d0.lr, loss, lr);
}

void CommSchedule::apply(const Decision& d) {
  decisions_.push_back(d);
  tau_ = d.tau;
  while (next_ <= d.seconds) next_ += interval_;
}

nlohmann::json CommSchedule::to_json() const {
  nlohmann::json j = {{"adaptive", adaptive_}, {"tau", tau_}, {"tau0", tau0_}, {"interval", interval_},
                      {"next", next_}};
  j["decisions"] = nlohmann::json::array();
  for (const Decision& d : decisions_)
    j["decisions"].push_back({{"round", d.round}, {"step", d.step}, {"seconds", d.seconds}, {"loss", d.loss},
                              {"lr", d.lr}, {"tau", d.tau}});
  return j;
}

CommSchedule CommSchedule::from_json(const nlohmann::json& j, const std::string& what) {
  TERN_CHECK_T(IOError, j.is_object() && j.contains("adaptive") && j.at("adaptive").is_boolean(), what,
               ": 'adaptive' is missing or not true/false");
  CommSchedule s;
  s.adaptive_ = j.at("adaptive").get<bool>();
  s.tau_ = integer(j, "tau", what, 1, kMaxTau);
  s.tau0_ = integer(j, "tau0", what, 0, kMaxTau);
  s.interval_ = number(j, "interval", what);
  s.next_ = number(j, "next", what);
  TERN_CHECK_T(IOError, !s.adaptive_ || s.interval_ > 0, what, ": 'interval' must be > 0");
  TERN_CHECK_T(IOError, j.contains("decisions") && j.at("decisions").is_array(), what,
               ": 'decisions' is missing or not a list");
  for (const nlohmann::json& d : j.at("decisions")) {
    Decision x;
    x.round = integer(d, "round", what, 0, int64_t{1} << 50);
    x.step = integer(d, "step", what, 0, int64_t{1} << 50);
    x.seconds = number(d, "seconds", what);
    x.loss = number(d, "loss", what);
    x.lr = number(d, "lr", what);
    x.tau = integer(d, "tau", what, 1, kMaxTau);
    s.decisions_.push_back(x);
  }
  if (s.adaptive_ && !s.decisions_.empty()) {
    const Decision& d0 = s.decisions_.front();
    TERN_CHECK_T(IOError, d0.loss > 0 && d0.lr > 0 && s.tau0_ >= 1 && d0.tau == s.tau0_, what,
                 ": the first decision must hold tau0 with a positive loss and learning rate");
  }
  return s;
}

nlohmann::json sync_records_json(const std::vector<SyncRecord>& syncs) {
  nlohmann::json j = nlohmann::json::object();
  for (const char* k : {"round", "epoch", "step", "seconds", "tau", "steps", "loss", "lr", "bytes_sent", "decided",
                        "next_tau"})
    j[k] = nlohmann::json::array();
  for (const SyncRecord& r : syncs) {
    j["round"].push_back(r.round);
    j["epoch"].push_back(r.epoch);
    j["step"].push_back(r.step);
    j["seconds"].push_back(r.seconds);
    j["tau"].push_back(r.tau);
    j["steps"].push_back(r.steps);
    j["loss"].push_back(r.loss);
    j["lr"].push_back(r.lr);
    j["bytes_sent"].push_back(r.bytes_sent);
    j["decided"].push_back(r.decided ? 1 : 0);
    j["next_tau"].push_back(r.next_tau);
  }
  return j;
}

std::vector<SyncRecord> sync_records_from_json(const nlohmann::json& j, const std::string& what) {
  TERN_CHECK_T(IOError, j.is_object(), what, ": 'syncs' is not an object");
  const char* keys[] = {"round", "epoch", "step", "seconds", "tau", "steps", "loss", "lr", "bytes_sent", "decided",
                        "next_tau"};
  size_t n = 0;
  for (size_t k = 0; k < std::size(keys); ++k) {
    TERN_CHECK_T(IOError, j.contains(keys[k]) && j.at(keys[k]).is_array(), what, ": syncs '", keys[k],
                 "' is missing or not a list");
    if (k == 0) n = j.at(keys[k]).size();
    TERN_CHECK_T(IOError, j.at(keys[k]).size() == n, what, ": syncs '", keys[k], "' has ", j.at(keys[k]).size(),
                 " entries, 'round' ", n);
  }
  std::vector<SyncRecord> out(n);
  const int64_t big = int64_t{1} << 50;
  for (size_t i = 0; i < n; ++i) {
    auto at = [&](const char* key) {
      nlohmann::json one = {{key, j.at(key).at(i)}};
      return one;
    };
    SyncRecord& r = out[i];
    r.round = integer(at("round"), "round", what, 1, big);
    r.epoch = integer(at("epoch"), "epoch", what, 1, big);
    r.step = integer(at("step"), "step", what, 0, big);
    r.seconds = number(at("seconds"), "seconds", what);
    r.tau = integer(at("tau"), "tau", what, 1, kMaxTau);
    r.steps = integer(at("steps"), "steps", what, 0, kMaxTau);
    r.loss = number(at("loss"), "loss", what);
    r.lr = number(at("lr"), "lr", what);
    r.bytes_sent = number(at("bytes_sent"), "bytes_sent", what);
    r.decided = integer(at("decided"), "decided", what, 0, 1) == 1;
    r.next_tau = integer(at("next_tau"), "next_tau", what, 1, kMaxTau);
  }
  return out;
}

std::string sync_records_csv(const std::vector<SyncRecord>& syncs) {
  std::string out = "round,epoch,step,seconds,tau,steps,loss,lr,bytes_sent,decided,next_tau\n";
  for (const SyncRecord& r : syncs)
    out += str_cat(r.round, ",", r.epoch, ",", r.step, ",", g17(r.seconds), ",", r.tau, ",", r.steps, ",", g17(r.loss),
                   ",", g17(r.lr), ",", g17(r.bytes_sent), ",", r.decided ? 1 : 0, ",", r.next_tau, "\n");
  return out;
}

}  // namespace tern::distributed::ddp
