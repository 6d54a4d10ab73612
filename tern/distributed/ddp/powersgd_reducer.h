// PowerSGD for the data-parallel trainer (Vogels, Karimireddy & Jaggi,
// NeurIPS 2019), the compression PyTorch DDP users pick today: each weight
// matrix M (rows x cols, conv weights as out x rest) plus its error buffer
// is approximated as P Q^T of rank r with one power-iteration step, warm
// started from last step's Q. Unlike 3LC streams, P and Q can be summed, so
// they travel in ordinary all-reduces: per bucket one all-reduce of all P's,
// orthonormalisation, one of all Q's. Vectors (biases, norms) and matrices
// too small to gain are all-reduced uncompressed. The error buffer keeps
// what the approximation lost: e = M - (P Q^T) / world.
#pragma once
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/ddp/data_parallel.h"

namespace tern::distributed::ddp {

class PowerSgdReducer {
 public:
  // rank >= 1; seed must be the same on every rank (initial Q).
  explicit PowerSgdReducer(int64_t rank, uint64_t seed = 0);
  // Sums `bucket` over comm (approximately for compressed matrices), in place.
  void reduce(comm::Communicator& comm, std::span<float> bucket, std::span<const BucketSlot> slots);
  int64_t rank() const { return rank_; }

 private:
  struct MatrixState {
    std::vector<float> q;      // cols x r, row-major
    std::vector<float> error;  // rows x cols
  };
  int64_t rank_;
  uint64_t seed_;
  std::map<int64_t, MatrixState> state_;  // by the slot's parameter id
};

}  // namespace tern::distributed::ddp
