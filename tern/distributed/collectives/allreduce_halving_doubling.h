// Recursive halving-doubling (Rabenseifner 2004; Thakur, Rabenseifner &
// Gropp 2005). With p a power of two, reduce-scatter halves the exchanged
// range in log p steps (partner rank ^ 2^k) and all-gather doubles it back:
// the same 2(p-1)/p traffic as the ring in 2 log p latencies instead of
// 2(p-1).
//
// Other p fold first: with p2 the largest power of two <= p and rem = p-p2,
// ranks 0..2rem-1 pair up (2i, 2i+1); the even rank hands its data to the odd
// one, p2 ranks run the power-of-two algorithm, and the odd rank hands the
// result back. The buffer is cut so that the folded pair's range is their two
// blocks of the p-way partition (partition.h), which makes reduce-scatter
// and all-gather leave exactly the ring's layout.
//
// All calls are collective over comm, in place, and accept any length.
#pragma once

#include <span>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::collectives {

// Same contract as ring_reduce_scatter: block comm.rank() ends fully reduced.
template <typename T>
void hd_reduce_scatter(comm::Communicator& comm, std::span<T> data);

// Same contract as ring_all_gather.
template <typename T>
void hd_all_gather(comm::Communicator& comm, std::span<T> data);

// Every rank ends with the element-wise sum.
template <typename T>
void hd_allreduce(comm::Communicator& comm, std::span<T> data);

}  // namespace tern::distributed::collectives
