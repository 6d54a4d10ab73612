// Local SGD (periodic model averaging) and AdaComm in the data-parallel
// trainer: `tern train --dist localsgd --tau N` and `--dist adacomm`. Every
// rank takes tau optimiser steps on its own shard, then the models are
// averaged with one all-reduce (any --allreduce collective; --codec fp16
// sends the change since the last average in half precision). The period
// comes from a CommSchedule (comm_schedule.h): fixed, or AdaComm's rule.
//
// - tau = 1 is synchronous SGD, and runs as such: the gradients are
//   averaged by DataParallel exactly as `--dist allreduce` does (same buckets,
//   same collective), so `--tau 1` reproduces `--dist allreduce` bit for bit.
//   (Averaging models after one step from equal models is the same update
//   only up to float rounding.)
// - Momentum (any optimiser state) stays local: each rank keeps its own
//   buffers between and across averages, and only parameters travel, so one
//   sync costs one model. Where AdaComm switches to tau = 1 the buffers are
//   averaged once, so that gradient averaging keeps the replicas equal.
// - Every sync is a round: its mean training loss (all local steps of all
//   workers) travels in a small all-reduce beside rank 0's clock, so every
//   rank knows when an AdaComm decision is due; rank 0 decides and
//   broadcasts the new period. With tau = 1 a round (a row of the log, a
//   point where a decision can be taken) is 16 steps. An epoch ends with a sync (evaluation and the
//   checkpoint see the averaged model).
// - Checkpoints: rank 0 keeps the schedule and the sync log in
//   <checkpoint>.localsgd.json, every rank its optimiser state in
//   <checkpoint>.localsgd.rank<R>, so a resumed run continues the same
//   schedule and the same local momentum.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/base/timer.h"
#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/ddp/allreduce_options.h"
#include "tern/distributed/ddp/comm_schedule.h"
#include "tern/train/trainer.h"

namespace tern::distributed::ddp {

// What <checkpoint>.localsgd.json holds (rank 0's schedule and sync log).
struct LocalSgdResume {
  int64_t epochs_done = 0, round = 0, step = 0;
  double clock = 0, bytes_sent = 0;
  std::string tau0_reason;
  CommSchedule schedule;
  std::vector<SyncRecord> syncs;
};
// Parses one; IOError naming `what` for anything malformed.
LocalSgdResume read_local_sgd_state(const std::string& text, const std::string& what);

class LocalSgdContext final : public train::RunContext {
 public:
  // `fp16`: average in half precision (setup.fp16 must be set).
  LocalSgdContext(comm::Communicator& comm, const AllreduceSetup& setup, bool fp16, CommSchedule schedule,
                  strategy::Inform inform);
  ~LocalSgdContext() override;

  int rank() const override { return comm_.rank(); }
  int world() const override { return comm_.size(); }
  void start(nn::Module& model, optim::Optimizer& optimizer) override;
  void before_backward(nn::Module& model) override;
  bool after_backward(nn::Module& model, int64_t epoch) override;
  void after_step(nn::Module& model, double loss) override;
  void end_epoch(nn::Module& model) override;
  void sum(std::span<double> values) override;
  bool is_leader() const override { return comm_.rank() == 0; }
  void save_state(const std::string& checkpoint, int64_t epochs_done) override;
  void restore_state(const std::string& checkpoint, int64_t epochs_done) override;

  const CommSchedule& schedule() const { return schedule_; }
  const std::vector<SyncRecord>& syncs() const { return syncs_; }  // complete on rank 0
  const std::string& tau0_reason() const { return tau0_reason_; }
  double averaging_seconds() const { return averaging_seconds_; }  // this rank, in model averages

  static std::string state_path(const std::string& checkpoint);
  static std::string rank_state_path(const std::string& checkpoint, int rank);

 private:
  void sync();                    // a round ends
  void average_models();          // parameters := their mean over ranks
  void average_optimizer_state();
  void use_period(int64_t tau);   // tau == 1: gradient averaging from the next step
  double now() const;             // training time (rank-local clock)
  double bytes_sent() const;
  void read_params(std::vector<float>& dst) const;
  void write_params(const std::vector<float>& src);

  comm::Communicator& comm_;
  AllreduceSetup setup_;
  bool fp16_;
  CommSchedule schedule_;
  strategy::Inform inform_;
  std::vector<Tensor> params_;
  optim::Optimizer* optimizer_ = nullptr;
  std::unique_ptr<DataParallel> ddp_;
  std::vector<float> buffer_, anchor_;

  int64_t epoch_ = 1, round_ = 0, step_ = 0;
  int64_t round_steps_ = 0;
  double round_loss_ = 0;
  double first_loss_ = 0;  // this rank's loss at its first step (F_0 before the schedule begins)
  bool have_first_ = false;

  double clock_base_ = 0;  // training seconds of finished epochs (and of the run resumed from)
  bool clock_running_ = false;
  Timer segment_;
  double bytes_base_ = 0;

  // Choosing tau0: the cost of one model all-reduce (measured at start) and
  // of local steps (measured over the first round).
  double allreduce_probe_seconds_ = 0;
  std::vector<double> step_seconds_;
  Timer step_timer_;
  std::string tau0_reason_;

  std::vector<SyncRecord> syncs_;
  double averaging_seconds_ = 0;
};

}  // namespace tern::distributed::ddp
