// When local SGD averages the models: a fixed period tau (`--dist localsgd
// --tau N`) or AdaComm's adaptive one (`--dist adacomm`, Wang & Joshi,
// "Adaptive Communication Strategies to Achieve the Best Error-Runtime
// Trade-off in Local-Update SGD", SysML 2019). Pure bookkeeping, no
// communication: the trainer (local_sgd.h) feeds it the losses it measured
// and applies the decisions rank 0 broadcast, so every rank holds the same
// schedule.
//
// AdaComm rule, at fixed wall-clock intervals of `interval` seconds of
// training time (decisions are taken at the first model average at or after
// each interval boundary):
//
//   tau_l = max(1, ceil( sqrt( (lr_l * F_l) / (lr_0 * F_0) ) * tau_0 ))
//
// F_0 is the training loss of the initial model (the first minibatch of
// every worker, averaged), F_l the mean training loss over the round that
// ends at the sync (every local step of every worker), lr the learning rate
// then. With a constant learning rate the factor lr_l / lr_0 is 1 and this is
// the paper's basic rule; with a decayed rate it is the paper's variant for
// variable learning rates (the period shrinks with sqrt of the rate as well).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tern::distributed::ddp {

// The rule above, evaluated in exactly this order (tests recompute it).
int64_t adacomm_period(int64_t tau0, double loss0, double lr0, double loss, double lr);

// tau_0 from the measured cost of one local step and of one model all-reduce:
// the smallest period at which averaging costs no more time than the local
// steps between two averages, tau_0 = ceil(allreduce / step), clamped to
// [1, 1000]. `reason` says so with the figures.
struct Tau0Choice {
  int64_t tau0 = 1;
  double ratio = 0;  // allreduce_seconds / step_seconds
  std::string reason;
};
Tau0Choice choose_tau0(double step_seconds, double allreduce_seconds);

// One AdaComm decision: at training time `seconds`, after `step` steps, with
// loss F_l and learning rate lr_l, the period became `tau`. Decision 0 is
// tau_0 itself, with F_0 and lr_0.
struct Decision {
  int64_t round = 0;  // the sync it was taken at (0: before the first)
  int64_t step = 0;
  double seconds = 0;
  double loss = 0, lr = 0;
  int64_t tau = 1;
};

// One model average (a "sync"): what the report and --history-out show.
struct SyncRecord {
  int64_t round = 0;  // 1, 2, ...
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;   // steps of every worker so far
  double seconds = 0;  // training wall-clock time of rank 0 so far
  int64_t tau = 1;     // the period in force for this round
  int64_t steps = 0;   // local steps in this round (< tau when an epoch ends first; with tau = 1, 16 steps of
                       // gradient averaging make one round)
  double loss = 0;     // mean training loss over the round, all workers
  double lr = 0;
  double bytes_sent = 0;  // rank 0, cumulative
  bool decided = false;   // an AdaComm decision was taken here
  int64_t next_tau = 1;   // the period after this sync
};

class CommSchedule {
 public:
  static CommSchedule fixed(int64_t tau);
  // tau0 = 0: chosen from measurements (choose_tau0) before begin().
  static CommSchedule adaptive(int64_t tau0, double interval_seconds);

  bool adaptive() const { return adaptive_; }
  // Adaptive: whether begin() ran (tau_0 and F_0 are known).
  bool begun() const { return !decisions_.empty(); }
  int64_t tau() const { return tau_; }
  int64_t tau0() const { return tau0_; }
  double interval() const { return interval_; }
  const std::vector<Decision>& decisions() const { return decisions_; }

  // Adaptive: starts the schedule with tau_0 (given or chosen), F_0 and lr_0
  // at training time `seconds`; the first decision is due interval seconds later.
  void begin(int64_t tau0, double loss0, double lr0, double seconds, int64_t round, int64_t step);
  // Adaptive and begun: a decision is due at training time `seconds`.
  bool due(double seconds) const;
  // The period the rule gives for F_l = loss, lr_l = lr (rank 0 computes it).
  int64_t propose(double loss, double lr) const;
  // Records a decision (every rank, with rank 0's values) and moves the next
  // boundary past d.seconds.
  void apply(const Decision& d);
  // A period in force before begin() (the measuring round).
  void set_tau(int64_t tau) { tau_ = tau; }

  nlohmann::json to_json() const;
  // Throws IOError (naming `what`) for anything missing, mistyped or out of range.
  static CommSchedule from_json(const nlohmann::json& j, const std::string& what);

 private:
  bool adaptive_ = false;
  int64_t tau_ = 1, tau0_ = 0;
  double interval_ = 0;
  double next_ = 0;  // training time of the next decision
  std::vector<Decision> decisions_;
};

nlohmann::json sync_records_json(const std::vector<SyncRecord>& syncs);  // column-wise
std::vector<SyncRecord> sync_records_from_json(const nlohmann::json& j, const std::string& what);
// CSV, one row per sync, header
// round,epoch,step,seconds,tau,steps,loss,lr,bytes_sent,decided,next_tau
// (losses and rates with 17 significant digits, so a reader recomputes the
// rule exactly).
std::string sync_records_csv(const std::vector<SyncRecord>& syncs);

}  // namespace tern::distributed::ddp
