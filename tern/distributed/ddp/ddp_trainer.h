// `tern train --dist allreduce`: data-parallel training, one process per
// rank. Every rank trains on its own shard of the data with batch
// opt.batch_size (the per-rank batch), gradients are averaged with
// DataParallel, rank 0 shows progress and writes checkpoints; test accuracy
// is scored by all ranks on their share of the test set and summed.
#pragma once
#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/ddp/data_parallel.h"
#include "tern/train/trainer.h"

namespace tern::distributed::ddp {

class DataParallelContext final : public train::RunContext {
 public:
  DataParallelContext(comm::Communicator& comm, DdpOptions options) : comm_(comm), options_(std::move(options)) {}
  int rank() const override { return comm_.rank(); }
  int world() const override { return comm_.size(); }
  void start(nn::Module& model, optim::Optimizer& optimizer) override;
  void before_backward(nn::Module& model) override { ddp_->prepare_step(); }
  bool after_backward(nn::Module& model, int64_t epoch) override;
  void end_epoch(nn::Module& model) override;
  void sum(std::span<double> values) override;
  bool is_leader() const override { return comm_.rank() == 0; }
  // Seconds spent waiting for gradients after backward, summed over steps.
  double exposed_comm_seconds() const { return ddp_ ? ddp_->exposed_comm_seconds() : 0.0; }

 private:
  comm::Communicator& comm_;
  DdpOptions options_;
  std::unique_ptr<DataParallel> ddp_;
};

// Trains with every rank of `comm`; opt.batch_size is per rank.
train::TrainResult train_data_parallel(const train::TrainOptions& opt, const DdpOptions& options, comm::Communicator& comm,
                                       double* exposed_comm_seconds = nullptr);

}  // namespace tern::distributed::ddp
