// The cost engine under every schedule: a collective is a sequence of
// synchronous rounds; in one round a set of flows (src -> dst, bytes) start
// together and the round ends when the slowest arrives. A flow takes its
// link's alpha plus its bytes over the bandwidth left to it after the
// topology's contention (topology.h). Rounds that reduce add the summing
// time of the bytes received.
#pragma once

#include <vector>

#include "tern/distributed/netsim/topology.h"

namespace tern::distributed::netsim {

struct Flow {
  int src = 0;
  int dst = 0;
  double bytes = 0;
};

// One flow's time in a round, split into its latency and its transfer
// (bytes over the bandwidth left to it).
struct FlowTime {
  double alpha_s = 0;
  double transfer_s = 0;
};
std::vector<FlowTime> flow_times(const Topology& topo, const std::vector<Flow>& flows);

// Seconds for one round of concurrent flows (0 for none). reduced_bytes is
// what the busiest receiver sums into its buffer after the round.
double round_seconds(const Topology& topo, const std::vector<Flow>& flows, double reduced_bytes = 0);

// Which links a set of flows uses: "intra", "inter", "mixed" or "none".
const char* fabric_of(const Topology& topo, const std::vector<Flow>& flows);

}  // namespace tern::distributed::netsim
