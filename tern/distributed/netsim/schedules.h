// Whole all-reduce schedules on a topology, each with its per-stage
// breakdown (stage_costs.h):
//  - ring: one ring over all ranks (node-major order, so it crosses each
//    node boundary once);
//  - hd: recursive halving-doubling over all ranks;
//  - tree: binomial reduce to rank 0, then binomial broadcast;
//  - hierarchical (2-level through node leaders, as in Jia et al. 2018):
//    inside each node reduce to the node's first device (reduce-scatter +
//    gather), all-reduce among those leaders (ring or hd), then broadcast
//    inside each node (scatter + all-gather). The variant in which every
//    device all-reduces its own shard across nodes (Horovod's hierarchical
//    mode) is BlueConnect with factors devices x nodes, order 0,1, which
//    the planner considers;
//  - blueconnect: reduce-scatter stages over coordinate groups in the given
//    order, then all-gather stages in reverse (collectives/blueconnect.h);
//    an innermost factor of 2 runs as one exchange, as the collective does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tern/distributed/netsim/stage_costs.h"
#include "tern/distributed/netsim/topology.h"

namespace tern::distributed::netsim {

struct CostBreakdown {
  std::string schedule;  // "ring", "blueconnect 4x48 order=0,1 algos=ring,hd", ...
  std::vector<StageCost> stages;
  double seconds = 0;
};

// BlueConnect as the model sees it; mirrors collectives::BlueConnectPlan
// (factors with coordinate 0 fastest, reduce-scatter order, one algorithm
// per factor).
struct BlueConnectSchedule {
  std::vector<int> factors;
  std::vector<int> order;
  std::vector<StageAlgo> algos;
  std::string describe() const;  // "4x48 order=0,1 algos=ring,hd"
};

CostBreakdown ring_allreduce_cost(const Topology& topo, double bytes);
CostBreakdown hd_allreduce_cost(const Topology& topo, double bytes);
CostBreakdown tree_allreduce_cost(const Topology& topo, double bytes);
CostBreakdown hierarchical_allreduce_cost(const Topology& topo, double bytes, StageAlgo leaders = StageAlgo::ring);
// Horovod's hierarchical mode: reduce-scatter inside nodes, each device
// all-reduces its shard across nodes, all-gather inside nodes (ring
// everywhere), i.e. BlueConnect devices x nodes in order 0,1.
CostBreakdown sharded_hierarchical_allreduce_cost(const Topology& topo, double bytes);
// Throws ValueError if the schedule does not fit topo.size().
CostBreakdown blueconnect_cost(const Topology& topo, double bytes, const BlueConnectSchedule& schedule);

}  // namespace tern::distributed::netsim
