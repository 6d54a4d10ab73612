#include "tern/dist/collectives/collectives.h"

#include "tern/dist/collectives/allreduce_halving_doubling.h"
#include "tern/dist/collectives/allreduce_ring.h"
#include "tern/dist/collectives/broadcast.h"

namespace tern::dist {

template <typename T>
void allreduce(Communicator& comm, std::span<T> data, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return ring_allreduce(comm, data);
    case Algorithm::halving_doubling: return hd_allreduce(comm, data);
    case Algorithm::native: return comm.native_allreduce(std::as_writable_bytes(data), elem_type_of<T>());
  }
}

template <typename T>
void reduce_scatter(Communicator& comm, std::span<T> data, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return ring_reduce_scatter(comm, data);
    case Algorithm::halving_doubling: return hd_reduce_scatter(comm, data);
    case Algorithm::native: return comm.native_reduce_scatter(std::as_writable_bytes(data), elem_type_of<T>());
  }
}

template <typename T>
void all_gather(Communicator& comm, std::span<T> data, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return ring_all_gather(comm, data);
    case Algorithm::halving_doubling: return hd_all_gather(comm, data);
    case Algorithm::native: return comm.native_all_gather(std::as_writable_bytes(data), elem_type_of<T>());
  }
}

template <typename T>
void broadcast(Communicator& comm, std::span<T> data, int root, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return scatter_ring_broadcast(comm, data, root);
    case Algorithm::halving_doubling: return binomial_broadcast(comm, data, root);
    case Algorithm::native: return comm.native_broadcast(std::as_writable_bytes(data), root);
  }
}

#define TERN_DIST_INSTANTIATE(T)                                          \
  template void allreduce<T>(Communicator&, std::span<T>, Algorithm);      \
  template void reduce_scatter<T>(Communicator&, std::span<T>, Algorithm); \
  template void all_gather<T>(Communicator&, std::span<T>, Algorithm);     \
  template void broadcast<T>(Communicator&, std::span<T>, int, Algorithm);
TERN_DIST_INSTANTIATE(float)
TERN_DIST_INSTANTIATE(double)
#undef TERN_DIST_INSTANTIATE

}  // namespace tern::dist
