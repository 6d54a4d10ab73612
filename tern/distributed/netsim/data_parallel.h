// The BlueConnect paper's experiment as a reusable call: one data-parallel
// iteration on a topology, its backward pass overlapped with bucketed
// gradient all-reduces, for the flat ring, the 2-level hierarchical
// all-reduce (through node leaders, and Horovod's sharded variant) and
// planned BlueConnect (planned per bucket size), reporting
// each one's exposed communication overhead.
#pragma once

#include <string>
#include <vector>

#include "tern/distributed/netsim/overlap.h"
#include "tern/distributed/netsim/topology.h"

namespace tern::distributed::netsim {

struct ScheduleOverhead {
  std::string schedule;       // "ring", "hierarchical", "hierarchical-sharded", "blueconnect"
  IterationTimeline timeline;
  std::vector<std::string> plans;  // blueconnect: the plan chosen for each distinct bucket size
};

// Runs the four schedules, in that order, on the same backward pass and bucket size.
std::vector<ScheduleOverhead> compare_overlapped_allreduce(const Topology& topo,
                                                            const std::vector<BackwardLayer>& backward,
                                                            double bucket_bytes);

}  // namespace tern::distributed::netsim
