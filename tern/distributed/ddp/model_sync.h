// Keeping model replicas identical across ranks: the start-up broadcast and
// the averaging of batch-norm statistics before evaluation. Used by the
// data-parallel and parameter-server trainers.
#pragma once
#include "tern/distributed/comm/communicator.h"
#include "tern/nn/module.h"

namespace tern::distributed::ddp {

// Copies rank 0's parameters and buffers (model.state()) to every rank.
void broadcast_state(comm::Communicator& comm, nn::Module& model);

// Replaces every floating-point buffer with its mean over ranks.
void average_buffers(comm::Communicator& comm, nn::Module& model);

}  // namespace tern::distributed::ddp
