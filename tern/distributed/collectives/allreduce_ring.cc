#include "tern/distributed/collectives/allreduce_ring.h"

#include <algorithm>
#include <vector>

#include "tern/distributed/collectives/partition.h"
#include "tern/distributed/collectives/reduce.h"
#include "tern/distributed/collectives/scratch.h"

namespace tern::distributed::collectives {
namespace {

constexpr int kTagReduceScatter = 0x7201;
constexpr int kTagAllGather = 0x7202;

// The reduce-scatter receives a block in 1 MiB segments, adding each while
// it is still in cache and while the next one arrives.
template <typename T>
constexpr int64_t segment_elements() {
  return (int64_t{1} << 20) / static_cast<int64_t>(sizeof(T));
}

int mod(int a, int p) { return ((a % p) + p) % p; }

template <typename T>
std::span<T> block(std::span<T> data, int p, int b) {
  const int64_t n = static_cast<int64_t>(data.size());
  return data.subspan(block_offset(n, p, b), block_count(n, p, b));
}

}  // namespace

template <typename T>
void ring_reduce_scatter(comm::Communicator& comm, std::span<T> data) {
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const int right = mod(r + 1, p), left = mod(r - 1, p);
  const int64_t seg = segment_elements<T>();
  // Two segment-sized slots: one is being received while the other is added.
  std::span<T> slots = detail::scratch<T>(2 * seg);
  std::vector<comm::RequestPtr> sends;
  // Step s forwards the partial sum of block r-s-1 and folds our own values
  // into block r-s-2; after p-1 steps block r has passed every rank.
  for (int s = 0; s < p - 1; ++s) {
    std::span<T> out = block(data, p, mod(r - s - 1, p));
    std::span<T> in = block(data, p, mod(r - s - 2, p));
    const int64_t n_in = static_cast<int64_t>(in.size()), n_out = static_cast<int64_t>(out.size());
    // Both sides cut a block into the same segments; an empty block is one empty message.
    auto segments = [&](int64_t n) { return std::max<int64_t>(1, (n + seg - 1) / seg); };
    auto part = [&](std::span<T> b, int64_t k) {
      return b.subspan(k * seg, std::min<int64_t>(seg, static_cast<int64_t>(b.size()) - k * seg));
    };
    auto slot = [&](int64_t k) { return slots.subspan((k % 2) * seg, part(in, k).size()); };
    sends.clear();
    for (int64_t k = 0; k < segments(n_out); ++k)
      sends.push_back(comm.isend(std::span<const T>(part(out, k)), right, kTagReduceScatter));
    const int64_t m = segments(n_in);
    comm::RequestPtr pending = comm.irecv(slot(0), left, kTagReduceScatter);
    for (int64_t k = 0; k < m; ++k) {
      comm::RequestPtr current = std::move(pending);
      if (k + 1 < m) pending = comm.irecv(slot(k + 1), left, kTagReduceScatter);
      current->wait();
      // Added while it is still in cache, right after it arrived.
      sum_into(part(in, k), std::span<const T>(slot(k)));
    }
    for (auto& send : sends) send->wait();
  }
}

template <typename T>
void ring_all_gather(comm::Communicator& comm, std::span<T> data) {
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
void ring_allreduce(comm::Communicator& comm, std::span<T> data) {
  ring_reduce_scatter(comm, data);
  ring_all_gather(comm, data);
}

template void ring_reduce_scatter<float>(comm::Communicator&, std::span<float>);
template void ring_reduce_scatter<double>(comm::Communicator&, std::span<double>);
template void ring_all_gather<float>(comm::Communicator&, std::span<float>);
template void ring_all_gather<double>(comm::Communicator&, std::span<double>);
template void ring_allreduce<float>(comm::Communicator&, std::span<float>);
template void ring_allreduce<double>(comm::Communicator&, std::span<double>);
template void ring_reduce_scatter<comm::Half>(comm::Communicator&, std::span<comm::Half>);
template void ring_all_gather<comm::Half>(comm::Communicator&, std::span<comm::Half>);
template void ring_allreduce<comm::Half>(comm::Communicator&, std::span<comm::Half>);

}  // namespace tern::distributed::collectives
