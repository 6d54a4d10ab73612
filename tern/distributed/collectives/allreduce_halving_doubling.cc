#include "tern/distributed/collectives/allreduce_halving_doubling.h"

#include <algorithm>

#include "tern/distributed/collectives/partition.h"
#include "tern/distributed/collectives/reduce.h"
#include "tern/distributed/collectives/scratch.h"

namespace tern::distributed::collectives {
namespace {

constexpr int kTagFold = 0x7301;
constexpr int kTagHalving = 0x7302;
constexpr int kTagDoubling = 0x7303;
constexpr int kTagUnfold = 0x7304;

// The fold of p ranks onto p2 "virtual" ranks (see the header).
struct Fold {
  int64_t n;  // elements in the buffer
  int p, p2, rem;

  Fold(int64_t n_, int p_) : n(n_), p(p_), p2(1) {
    while (p2 * 2 <= p) p2 *= 2;
    rem = p - p2;
  }
  bool folds_out(int r) const { return r < 2 * rem && r % 2 == 0; }   // hands its data to r+1
  bool takes_fold(int r) const { return r < 2 * rem && r % 2 == 1; }  // receives from r-1
  int virtual_rank(int r) const { return r < 2 * rem ? r / 2 : r - rem; }
  int real_rank(int v) const { return v < rem ? 2 * v + 1 : v + rem; }
  // First element of virtual rank v's range: the start of its first block.
  int64_t offset(int v) const {
    if (v >= p2) return n;
    return block_offset(n, p, v < rem ? 2 * v : v + rem);
  }
};

template <typename T>
std::span<T> range(std::span<T> data, const Fold& f, int v_lo, int v_hi) {
  return data.subspan(f.offset(v_lo), f.offset(v_hi) - f.offset(v_lo));
}

// Power-of-two reduce-scatter among the active ranks: afterwards virtual
// rank v holds the sum over all ranks of range(v, v+1).
template <typename T>
void halving(comm::Communicator& comm, std::span<T> data, const Fold& f, int v) {
  int lo = 0, hi = f.p2;
  // The first step keeps the larger half; later steps keep less.
  const size_t most = std::max(range(data, f, 0, f.p2 / 2).size(), range(data, f, f.p2 / 2, f.p2).size());
  std::span<T> incoming = detail::scratch<T>(static_cast<int64_t>(most));
  for (int mask = f.p2 / 2; mask >= 1; mask /= 2) {
    const int partner = f.real_rank(v ^ mask), mid = lo + mask;
    const bool upper = (v & mask) != 0;
    std::span<T> keep = upper ? range(data, f, mid, hi) : range(data, f, lo, mid);
    std::span<T> give = upper ? range(data, f, lo, mid) : range(data, f, mid, hi);
    auto recv = comm.irecv(incoming.first(keep.size()), partner, kTagHalving);
    auto send = comm.isend(std::span<const T>(give), partner, kTagHalving);
    recv->wait();
    sum_into(keep, std::span<const T>(incoming.first(keep.size())));
    send->wait();
    if (upper) lo = mid; else hi = mid;
  }
}

// Power-of-two all-gather among the active ranks: virtual rank v starts
// with range(v, v+1) and ends with range(0, p2).
template <typename T>
void doubling(comm::Communicator& comm, std::span<T> data, const Fold& f, int v) {
  int lo = v, hi = v + 1;
  for (int mask = 1; mask < f.p2; mask *= 2) {
    const int partner = f.real_rank(v ^ mask);
    const bool upper = (v & mask) != 0;
    const int other_lo = upper ? lo - mask : hi, other_hi = upper ? lo : hi + mask;
    auto recv = comm.irecv(range(data, f, other_lo, other_hi), partner, kTagDoubling);
    auto send = comm.isend(std::span<const T>(range(data, f, lo, hi)), partner, kTagDoubling);
    recv->wait();
    send->wait();
    lo = std::min(lo, other_lo);
    hi = std::max(hi, other_hi);
  }
}

// Folded-out ranks hand their whole buffer to their partner, which adds it.
template <typename T>
void fold_sum_in(comm::Communicator& comm, std::span<T> data, const Fold& f) {
  const int r = comm.rank();
  if (f.folds_out(r)) {
    comm.send(std::span<const T>(data), r + 1, kTagFold);
  } else if (f.takes_fold(r)) {
    std::span<T> incoming = detail::scratch<T>(static_cast<int64_t>(data.size()));
    comm.recv(incoming, r - 1, kTagFold);
    sum_into(data, std::span<const T>(incoming));
  }
}

// The partner gives the folded-out rank the part of the result it needs.
template <typename T>
void fold_out(comm::Communicator& comm, std::span<T> data, const Fold& f, int64_t first, int64_t count) {
  const int r = comm.rank();
  if (f.takes_fold(r)) comm.send(std::span<const T>(data.subspan(first, count)), r - 1, kTagUnfold);
  else if (f.folds_out(r)) comm.recv(data.subspan(first, count), r + 1, kTagUnfold);
}

}  // namespace

template <typename T>
void hd_reduce_scatter(comm::Communicator& comm, std::span<T> data) {
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const Fold f(static_cast<int64_t>(data.size()), p);
  fold_sum_in(comm, data, f);
  if (!f.folds_out(r)) halving(comm, data, f, f.virtual_rank(r));
  // A folded pair's range is blocks 2i and 2i+1: pass block 2i down.
  const int even = r - r % 2;
  fold_out(comm, data, f, block_offset(f.n, p, even), block_count(f.n, p, even));
}

template <typename T>
void hd_all_gather(comm::Communicator& comm, std::span<T> data) {
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const Fold f(static_cast<int64_t>(data.size()), p);
  if (f.folds_out(r)) {
    comm.send(std::span<const T>(data.subspan(block_offset(f.n, p, r), block_count(f.n, p, r))), r + 1, kTagFold);
  } else {
    if (f.takes_fold(r))
      comm.recv(data.subspan(block_offset(f.n, p, r - 1), block_count(f.n, p, r - 1)), r - 1, kTagFold);
    doubling(comm, data, f, f.virtual_rank(r));
  }
  fold_out(comm, data, f, 0, f.n);
}

template <typename T>
void hd_allreduce(comm::Communicator& comm, std::span<T> data) {
  const int p = comm.size(), r = comm.rank();
  if (p == 1) return;
  const Fold f(static_cast<int64_t>(data.size()), p);
  fold_sum_in(comm, data, f);
  if (!f.folds_out(r)) {
    halving(comm, data, f, f.virtual_rank(r));
    doubling(comm, data, f, f.virtual_rank(r));
  }
  fold_out(comm, data, f, 0, f.n);
}

template void hd_reduce_scatter<float>(comm::Communicator&, std::span<float>);
template void hd_reduce_scatter<double>(comm::Communicator&, std::span<double>);
template void hd_all_gather<float>(comm::Communicator&, std::span<float>);
template void hd_all_gather<double>(comm::Communicator&, std::span<double>);
template void hd_allreduce<float>(comm::Communicator&, std::span<float>);
template void hd_allreduce<double>(comm::Communicator&, std::span<double>);
template void hd_reduce_scatter<comm::Half>(comm::Communicator&, std::span<comm::Half>);
template void hd_all_gather<comm::Half>(comm::Communicator&, std::span<comm::Half>);
template void hd_allreduce<comm::Half>(comm::Communicator&, std::span<comm::Half>);

}  // namespace tern::distributed::collectives
