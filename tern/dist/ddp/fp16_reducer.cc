#include "tern/dist/ddp/fp16_reducer.h"

#include <vector>

#include "tern/core/half.h"
#include "tern/dist/collectives/allreduce_halving_doubling.h"
#include "tern/dist/collectives/allreduce_ring.h"

namespace tern::dist {

void fp16_allreduce(Communicator& comm, std::span<float> bucket, Algorithm algo) {
  TERN_CHECK(algo == Algorithm::ring || algo == Algorithm::halving_doubling,
             "fp16 all-reduce runs over the ring or halving-doubling collectives (--allreduce ring or hd)");
  const float world = static_cast<float>(comm.size());
  std::vector<Half> wire(bucket.size());
  for (size_t i = 0; i < bucket.size(); ++i) wire[i].bits = float_to_half(bucket[i] / world);
  if (algo == Algorithm::ring) ring_allreduce(comm, std::span<Half>(wire));
  else hd_allreduce(comm, std::span<Half>(wire));
  for (size_t i = 0; i < bucket.size(); ++i) bucket[i] = half_to_float(wire[i].bits) * world;
}

}  // namespace tern::dist
