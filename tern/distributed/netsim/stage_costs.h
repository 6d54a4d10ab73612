// Alpha-beta costs of the building blocks of all-reduce schedules, each run
// by several groups of ranks at once (a BlueConnect stage runs in every
// group of ranks that differ in one coordinate; the groups share NICs and
// switches, which round_seconds accounts for).
//
// Each block mirrors the flows of the algorithm Tern runs (collectives/):
//  - ring reduce-scatter / all-gather: size-1 pipelined steps, each member
//    sending 1/size of the range to its right neighbour (a step takes the
//    mean hop along the ring or the slowest edge's transfer, if longer);
//  - halving-doubling: log2 rounds of halving (doubling) messages, plus one
//    fold and one unfold round when size is not a power of two;
//  - binomial tree reduce / broadcast of the whole range to/from member 0;
//  - gather / scatter of 1/size blocks to/from member 0 in one round.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tern/distributed/netsim/topology.h"

namespace tern::distributed::netsim {

enum class StageAlgo { ring, halving_doubling };
const char* stage_algo_name(StageAlgo a);        // "ring", "hd"
StageAlgo parse_stage_algo(std::string_view s);  // "ring", "hd"; ValueError otherwise

// Rank lists; member order is the group's rank order.
using Groups = std::vector<std::vector<int>>;

// One line of a cost breakdown.
struct StageCost {
  std::string what;       // "reduce-scatter", "all-gather", "reduce", "broadcast", "gather", "scatter"
  std::string algo;       // "ring", "hd", "tree", "direct"
  int group_size = 1;
  int groups = 0;
  std::string fabric;     // "intra", "inter", "mixed", "none"
  int rounds = 0;
  double bytes = 0;       // the range each member works on
  double seconds = 0;
};

StageCost reduce_scatter_cost(const Topology& topo, const Groups& groups, double bytes, StageAlgo algo);
StageCost all_gather_cost(const Topology& topo, const Groups& groups, double bytes, StageAlgo algo);
StageCost tree_reduce_cost(const Topology& topo, const Groups& groups, double bytes);
StageCost tree_broadcast_cost(const Topology& topo, const Groups& groups, double bytes);
// All-reduce of groups of two in one exchange of the whole range
// (BlueConnect's innermost stage when its factor is 2).
StageCost pair_exchange_cost(const Topology& topo, const Groups& groups, double bytes);
StageCost gather_cost(const Topology& topo, const Groups& groups, double bytes);
StageCost scatter_cost(const Topology& topo, const Groups& groups, double bytes);

// The groups of ranks 0..p-1 that differ only in mixed-radix coordinate i
// of `factors` (coordinate 0 fastest), each ordered by that coordinate.
Groups coordinate_groups(const std::vector<int>& factors, int i);

}  // namespace tern::distributed::netsim
