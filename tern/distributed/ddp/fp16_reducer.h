// fp16 compression for the data-parallel trainer (`--codec fp16`), as
// PyTorch DDP's fp16_compress_hook: a bucket is divided by the world size
// (so the sum cannot overflow where the mean does not), rounded to IEEE half,
// summed in half precision by the ring or halving-doubling all-reduce (each
// hop adds in float and rounds back), and widened again. comm::Half the bytes of
// fp32 on the wire; no error feedback, like the hook.
#pragma once
#include <span>
#include <vector>

#include "tern/distributed/collectives/algorithm.h"
#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::ddp {

class Fp16Reducer {
 public:
  // algo must be ring or halving_doubling: native (MPI) collectives have no
  // half-precision sum.
  explicit Fp16Reducer(collectives::Algorithm algo);
  // Sums `bucket` over comm in place, to half precision. Not thread-safe: the
  // half buffer is reused from call to call (one communication thread).
  void reduce(comm::Communicator& comm, std::span<float> bucket);

 private:
  collectives::Algorithm algo_;
  std::vector<comm::Half> wire_;
};

}  // namespace tern::distributed::ddp
