// The all-reduce benchmark behind `tern bench allreduce` (run under mpirun):
// time and bus bandwidth of one algorithm (ring, hd, mpi, or BlueConnect with
// a plan), optionally over emulated links and beside the netsim cost
// model's prediction for the probed links.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "tern/distributed/netsim/topology.h"

namespace tern::distributed::collectives {

struct AllreduceBenchOptions {
  std::string algo = "ring";     // ring | hd | mpi | blueconnect
  int64_t bytes = int64_t{64} << 20;
  int iters = 20;
  int warmup = 3;
  std::string factors = "auto";  // blueconnect: AxB... or auto
  std::string order;             // blueconnect: stage order, e.g. "1,0"
  std::string stage_algos;       // blueconnect: one algorithm per factor, e.g. "ring,hd"
  std::string emulate;           // link emulation (else TERN_LINK_EMULATION)
  bool predict = false;          // probe the links and predict with the cost model
};

struct AllreduceBenchResult {
  bool leader = false;  // rank 0: the fields below are set only there
  std::string name;     // "ring", "blueconnect 2x2 order=0,1 ..."
  std::string backend;
  int ranks = 0;
  int64_t bytes = 0;
  int iters = 0;
  double median_s = 0, min_s = 0;  // per iteration: the slowest rank's time
  double algbw_gbps = 0;
  double busbw_gbps = 0;           // bytes each ring link carries: algbw * 2(p-1)/p (NCCL's convention)
  std::string link_emulation;      // empty: none
  std::optional<netsim::Topology> probed;
  double predicted_s = 0;          // with probed
};

// Collective over the MPI job. Its first all-reduce checks the sum (a wrong
// result is a ValueError naming the rank); then `warmup` untimed and `iters`
// timed all-reduces, each after a barrier. Medians are robust to a noisy host.
AllreduceBenchResult bench_allreduce(const AllreduceBenchOptions& options);

}  // namespace tern::distributed::collectives
