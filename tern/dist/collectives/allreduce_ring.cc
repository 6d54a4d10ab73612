#include "tern/dist/collectives/allreduce_ring.h"

#include "tern/dist/collectives/partition.h"
#include "tern/dist/collectives/reduce.h"
#include "tern/dist/collectives/scratch.h"

namespace tern::dist {
namespace {

constexpr int kTagReduceScatter = 0x7201;
constexpr int kTagAllGather = 0x7202;

int mod(int a, int p) { return ((a % p) + p) % p; }

template <typename T>
std::span<T> block(std::span<T> data, int p, int b) {
  const int64_t n = static_cast<int64_t>(data.size());
  return data.subspan(block_offset(n, p, b), block_count(n, p, b));
}

}  // namespace

template <typename T>
void ring_reduce_scatter(Communicator& comm, std::span<T> data) {
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const int right = mod(r + 1, p), left = mod(r - 1, p);
  std::span<T> incoming = detail::scratch<T>(block_count(static_cast<int64_t>(data.size()), p, 0));
  // Step s forwards the partial sum of block r-s-1 and folds our own values
  // into block r-s-2; after p-1 steps block r has passed every rank.
  for (int s = 0; s < p - 1; ++s) {
    std::span<T> out = block(data, p, mod(r - s - 1, p));
    std::span<T> in = block(data, p, mod(r - s - 2, p));
    auto recv = comm.irecv(incoming.first(in.size()), left, kTagReduceScatter);
    auto send = comm.isend(std::span<const T>(out), right, kTagReduceScatter);
    recv->wait();
    sum_into(in, std::span<const T>(incoming.first(in.size())));
    send->wait();
  }
}

template <typename T>
void ring_all_gather(Communicator& comm, std::span<T> data) {
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const int right = mod(r + 1, p), left = mod(r - 1, p);
  // Step s passes on block r-s (ours at s = 0) and receives block r-s-1.
  for (int s = 0; s < p - 1; ++s) {
    auto recv = comm.irecv(block(data, p, mod(r - s - 1, p)), left, kTagAllGather);
    auto send = comm.isend(std::span<const T>(block(data, p, mod(r - s, p))), right, kTagAllGather);
    recv->wait();
    send->wait();
  }
}

template <typename T>
void ring_allreduce(Communicator& comm, std::span<T> data) {
  ring_reduce_scatter(comm, data);
  ring_all_gather(comm, data);
}

template void ring_reduce_scatter<float>(Communicator&, std::span<float>);
template void ring_reduce_scatter<double>(Communicator&, std::span<double>);
template void ring_all_gather<float>(Communicator&, std::span<float>);
template void ring_all_gather<double>(Communicator&, std::span<double>);
template void ring_allreduce<float>(Communicator&, std::span<float>);
template void ring_allreduce<double>(Communicator&, std::span<double>);

}  // namespace tern::dist
