// `--dist allreduce`: data-parallel training (DataParallel, data_parallel.h)
// as a distributed strategy (tern/distributed/strategy/strategy.h): every
// rank trains on its shard, gradients are averaged by a bucketed, overlapped
// all-reduce (ring, halving-doubling, MPI's own or BlueConnect), optionally
// compressed (fp16, PowerSGD).
#pragma once

#include "tern/distributed/strategy/strategy.h"

namespace tern::distributed::ddp {

// The registry entry: name "allreduce", its options and factory.
strategy::Registry::Entry allreduce_strategy();

}  // namespace tern::distributed::ddp
