// The BlueConnect planner: for a topology and a message size, tries every
// ordered factorisation of the rank count into at most max_factors factors
// (>= 2; the single factor p, i.e. a flat ring or hd, included), every
// reduce-scatter stage order and, per factor, each allowed algorithm, and
// returns the schedule with the lowest predicted time.
//
// Choosing the algorithm per factor independently is exact: a stage's cost
// depends only on its groups, its range and its algorithm, and the total is
// the sum of the stage costs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tern/distributed/netsim/schedules.h"

namespace tern::distributed::netsim {

struct PlannerOptions {
  int max_factors = 4;
  std::vector<StageAlgo> algos = {StageAlgo::ring, StageAlgo::halving_doubling};
};

struct PlannedSchedule {
  BlueConnectSchedule schedule;
  CostBreakdown cost;
  int candidates = 0;  // (factorisation, order) pairs compared
};

PlannedSchedule plan_blueconnect(const Topology& topo, double bytes, const PlannerOptions& options = {});

// The predicted cost of each named all-reduce schedule, in the order given:
// ring, hd, tree, hierarchical, hierarchical-sharded, blueconnect (planned
// here: its plan is returned too). `names` is a comma list; an unknown name
// is a ValueError listing the valid ones.
struct ScheduleComparison {
  std::vector<CostBreakdown> results;
  std::optional<PlannedSchedule> plan;
};
ScheduleComparison compare_allreduce_schedules(const Topology& topo, double bytes, const std::string& names);

// Every ordered factorisation of p into at most max_factors factors >= 2
// ({1} for p = 1).
std::vector<std::vector<int>> ordered_factorisations(int p, int max_factors);

}  // namespace tern::distributed::netsim
