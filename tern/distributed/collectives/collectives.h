// The collectives callers use: one entry point per operation, the algorithm
// chosen by an argument. Each algorithm lives in its own header
// (allreduce_ring.h, allreduce_halving_doubling.h, broadcast.h); native is
// the backend's own (MPI_Allreduce, ... on MPI).
//
// All are collective over comm (every rank calls with the same length,
// algorithm and root), in place, sum-reducing, and accept any length
// including 0. Reduce-scatter and all-gather use the block layout of
// partition.h. Stage-wise schemes (BlueConnect) compose them over
// sub-communicators from comm::Communicator::split.
#pragma once

#include <span>

#include "tern/distributed/collectives/algorithm.h"
#include "tern/distributed/collectives/partition.h"
#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::collectives {

// Every rank ends with the element-wise sum over ranks.
template <typename T>
void allreduce(comm::Communicator& comm, std::span<T> data, Algorithm algo = Algorithm::ring);

// Block comm.rank() ends with the sum of that block; other blocks are left
// with unspecified values.
template <typename T>
void reduce_scatter(comm::Communicator& comm, std::span<T> data, Algorithm algo = Algorithm::ring);

// On entry block comm.rank() holds this rank's part; on return every block
// holds its owner's part.
template <typename T>
void all_gather(comm::Communicator& comm, std::span<T> data, Algorithm algo = Algorithm::ring);

// Every rank ends with root's data. ring: scatter + ring all-gather;
// halving_doubling: binomial tree.
template <typename T>
void broadcast(comm::Communicator& comm, std::span<T> data, int root, Algorithm algo = Algorithm::ring);

}  // namespace tern::distributed::collectives
