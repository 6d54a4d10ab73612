#include "tern/distributed/collectives/collectives.h"

#include "tern/distributed/collectives/allreduce_halving_doubling.h"
#include "tern/distributed/collectives/allreduce_ring.h"
#include "tern/distributed/collectives/broadcast.h"

namespace tern::distributed::collectives {

template <typename T>
void allreduce(comm::Communicator& comm, std::span<T> data, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return ring_allreduce(comm, data);
    case Algorithm::halving_doubling: return hd_allreduce(comm, data);
    case Algorithm::native: return comm.native_allreduce(std::as_writable_bytes(data), comm::elem_type_of<T>());
  }
}

template <typename T>
void reduce_scatter(comm::Communicator& comm, std::span<T> data, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return ring_reduce_scatter(comm, data);
    case Algorithm::halving_doubling: return hd_reduce_scatter(comm, data);
    case Algorithm::native: return comm.native_reduce_scatter(std::as_writable_bytes(data), comm::elem_type_of<T>());
  }
}

template <typename T>
void all_gather(comm::Communicator& comm, std::span<T> data, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return ring_all_gather(comm, data);
    case Algorithm::halving_doubling: return hd_all_gather(comm, data);
    case Algorithm::native: return comm.native_all_gather(std::as_writable_bytes(data), comm::elem_type_of<T>());
  }
}

template <typename T>
void broadcast(comm::Communicator& comm, std::span<T> data, int root, Algorithm algo) {
  switch (algo) {
    case Algorithm::ring: return scatter_ring_broadcast(comm, data, root);
    case Algorithm::halving_doubling: return binomial_broadcast(comm, data, root);
    case Algorithm::native: return comm.native_broadcast(std::as_writable_bytes(data), root);
  }
}

#define TERN_DIST_INSTANTIATE(T)                                          \
  template void allreduce<T>(comm::Communicator&, std::span<T>, Algorithm);      \
  template void reduce_scatter<T>(comm::Communicator&, std::span<T>, Algorithm); \
  template void all_gather<T>(comm::Communicator&, std::span<T>, Algorithm);     \
  template void broadcast<T>(comm::Communicator&, std::span<T>, int, Algorithm);
TERN_DIST_INSTANTIATE(float)
TERN_DIST_INSTANTIATE(double)
#undef TERN_DIST_INSTANTIATE

}  // namespace tern::distributed::collectives
