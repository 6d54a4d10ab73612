#include "tern/distributed/ddp/fp16_reducer.h"

#include "tern/core/half.h"
#include "tern/distributed/collectives/allreduce_halving_doubling.h"
#include "tern/distributed/collectives/allreduce_ring.h"

namespace tern::distributed::ddp {

Fp16Reducer::Fp16Reducer(collectives::Algorithm algo) : algo_(algo) {
  TERN_CHECK(algo == collectives::Algorithm::ring || algo == collectives::Algorithm::halving_doubling,
             "fp16 all-reduce runs over the ring or halving-doubling collectives (--allreduce ring or hd)");
}

void Fp16Reducer::reduce(comm::Communicator& comm, std::span<float> bucket) {
  const float world = static_cast<float>(comm.size());
  wire_.resize(bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) wire_[i].bits = float_to_half(bucket[i] / world);
  const std::span<comm::Half> wire(wire_);
  if (algo_ == collectives::Algorithm::ring) collectives::ring_allreduce(comm, wire);
  else collectives::hd_allreduce(comm, wire);
  for (size_t i = 0; i < bucket.size(); ++i) bucket[i] = half_to_float(wire_[i].bits) * world;
}

}  // namespace tern::distributed::ddp
