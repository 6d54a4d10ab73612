#include "tern/distributed/ddp/ddp_trainer.h"

#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/ddp/model_sync.h"

namespace tern::distributed::ddp {

void DataParallelContext::start(nn::Module& model, optim::Optimizer& optimizer) {
  broadcast_state(comm_, model);
  ddp_ = std::make_unique<DataParallel>(comm_, model, options_);
}

bool DataParallelContext::after_backward(nn::Module& model, int64_t epoch) {
  ddp_->finish_step();
  return true;
}

void DataParallelContext::end_epoch(nn::Module& model) { average_buffers(comm_, model); }

void DataParallelContext::sum(std::span<double> values) { collectives::allreduce(comm_, values); }

train::TrainResult train_data_parallel(const train::TrainOptions& opt, const DdpOptions& options, comm::Communicator& comm,
                                       double* exposed_comm_seconds) {
  DataParallelContext context(comm, options);
  train::TrainResult r = train::train(opt, {}, &context);
  if (exposed_comm_seconds) *exposed_comm_seconds = context.exposed_comm_seconds();
  return r;
}

}  // namespace tern::distributed::ddp
