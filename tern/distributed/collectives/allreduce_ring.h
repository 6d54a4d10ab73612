// Ring collectives (Patarasuk & Yuan 2009; Baidu's ring all-reduce). The
// buffer is cut into p blocks (partition.h); each of p-1 steps sends one
// block to the right neighbour and receives one from the left, so every rank
// moves 2(p-1)/p of the buffer in an all-reduce whatever p is: bandwidth-
// optimal, at the price of 2(p-1) latencies.
//
// All calls are collective over comm, in place, and accept any length.
#pragma once

#include <span>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::collectives {

// On return block comm.rank() of data holds the sum over ranks of that block;
// the other blocks hold partial sums.
template <typename T>
void ring_reduce_scatter(comm::Communicator& comm, std::span<T> data);

// On entry block comm.rank() holds this rank's contribution; on return every
// block holds its owner's contribution.
template <typename T>
void ring_all_gather(comm::Communicator& comm, std::span<T> data);

// Reduce-scatter then all-gather: every rank ends with the element-wise sum.
template <typename T>
void ring_allreduce(comm::Communicator& comm, std::span<T> data);

}  // namespace tern::distributed::collectives
