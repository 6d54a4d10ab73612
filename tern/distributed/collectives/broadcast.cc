#include "tern/distributed/collectives/broadcast.h"

#include <vector>

#include "tern/distributed/collectives/allreduce_ring.h"
#include "tern/distributed/collectives/partition.h"

namespace tern::distributed::collectives {
namespace {

constexpr int kTagScatter = 0x7401;
constexpr int kTagTree = 0x7402;

void check_root(const comm::Communicator& comm, int root) {
  TERN_CHECK_INDEX(root >= 0 && root < comm.size(), "broadcast root must be a rank in 0..", comm.size() - 1,
                   ", given ", root);
}

}  // namespace

template <typename T>
void scatter_ring_broadcast(comm::Communicator& comm, std::span<T> data, int root) {
  check_root(comm, root);
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const int64_t n = static_cast<int64_t>(data.size());
  if (r == root) {
    std::vector<comm::RequestPtr> sends;
    for (int q = 0; q < p; ++q)
      if (q != root)
        sends.push_back(comm.isend(std::span<const T>(data.subspan(block_offset(n, p, q), block_count(n, p, q))), q,
                                   kTagScatter));
    for (auto& s : sends) s->wait();
  } else {
    comm.recv(data.subspan(block_offset(n, p, r), block_count(n, p, r)), root, kTagScatter);
  }
  ring_all_gather(comm, data);
}

template <typename T>
void binomial_broadcast(comm::Communicator& comm, std::span<T> data, int root) {
  check_root(comm, root);
  const int p = comm.size();
  const int rel = (comm.rank() - root + p) % p;  // rank relative to the root
  // Receive from the rank that differs in our lowest set bit...
  int mask = 1;
  for (; mask < p; mask *= 2) {
    if (rel & mask) {
      comm.recv(data, (rel - mask + root) % p, kTagTree);
      break;
    }
  }
  // ...then send to the ranks that differ from us in a lower bit.
  std::vector<comm::RequestPtr> sends;
  for (mask /= 2; mask >= 1; mask /= 2)
    if (rel + mask < p) sends.push_back(comm.isend(std::span<const T>(data), (rel + mask + root) % p, kTagTree));
  for (auto& s : sends) s->wait();
}

template void scatter_ring_broadcast<float>(comm::Communicator&, std::span<float>, int);
template void scatter_ring_broadcast<double>(comm::Communicator&, std::span<double>, int);
template void binomial_broadcast<float>(comm::Communicator&, std::span<float>, int);
template void binomial_broadcast<double>(comm::Communicator&, std::span<double>, int);

}  // namespace tern::distributed::collectives
