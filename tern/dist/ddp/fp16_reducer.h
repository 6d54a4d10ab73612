// fp16 compression for the data-parallel trainer (`--codec fp16`), as
// PyTorch DDP's fp16_compress_hook: a bucket is divided by the world size
// (so the sum cannot overflow where the mean does not), rounded to IEEE half,
// summed in half precision by the ring or halving-doubling all-reduce (each
// hop adds in float and rounds back), and widened again. Half the bytes of
// fp32 on the wire; no error feedback, like the hook.
#pragma once
#include <span>
#include <vector>

#include "tern/dist/collectives/algorithm.h"
#include "tern/dist/comm/communicator.h"

namespace tern::dist {

class Fp16Reducer {
 public:
  // algo must be ring or halving_doubling: native (MPI) collectives have no
  // half-precision sum.
  explicit Fp16Reducer(Algorithm algo);
  // Sums `bucket` over comm in place, to half precision. Not thread-safe: the
  // half buffer is reused from call to call (one communication thread).
  void reduce(Communicator& comm, std::span<float> bucket);

 private:
  Algorithm algo_;
  std::vector<Half> wire_;
};

}  // namespace tern::dist
