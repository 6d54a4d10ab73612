// Broadcast over point-to-point, two shapes:
//  - scatter + ring all-gather (van de Geijn): the root sends block r to each
//    rank r, then a ring all-gather; each link carries about 2n bytes,
//    whatever p is, so it suits large buffers.
//  - binomial tree: log p rounds of whole-buffer sends (rank ^ 2^k pairs, as
//    in recursive doubling); suits small buffers.
// Collective over comm, in place, any length; root's data is the source.
#pragma once

#include <span>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::collectives {

template <typename T>
void scatter_ring_broadcast(comm::Communicator& comm, std::span<T> data, int root);

template <typename T>
void binomial_broadcast(comm::Communicator& comm, std::span<T> data, int root);

}  // namespace tern::distributed::collectives
