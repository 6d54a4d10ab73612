#include "tern/distributed/netsim/data_parallel.h"

#include <algorithm>
#include <map>

#include "tern/distributed/netsim/planner.h"
#include "tern/distributed/netsim/schedules.h"

namespace tern::distributed::netsim {

std::vector<ScheduleOverhead> compare_overlapped_allreduce(const Topology& topo,
                                                            const std::vector<BackwardLayer>& backward,
                                                            double bucket_bytes) {
  std::vector<ScheduleOverhead> out;
  out.push_back({"ring", simulate_overlapped_backward(backward, bucket_bytes,
                                                      [&](double b) { return ring_allreduce_cost(topo, b).seconds; }),
                 {}});
  out.push_back({"hierarchical", simulate_overlapped_backward(backward, bucket_bytes, [&](double b) {
                   return hierarchical_allreduce_cost(topo, b).seconds;
                 }),
                 {}});
  out.push_back({"hierarchical-sharded", simulate_overlapped_backward(backward, bucket_bytes, [&](double b) {
                   return sharded_hierarchical_allreduce_cost(topo, b).seconds;
                 }),
                 {}});
  std::map<double, PlannedSchedule> plans;  // one plan per bucket size, as a trainer would cache it
  ScheduleOverhead bc{"blueconnect", simulate_overlapped_backward(backward, bucket_bytes, [&](double b) {
                        auto it = plans.find(b);
                        if (it == plans.end()) it = plans.emplace(b, plan_blueconnect(topo, b)).first;
                        return it->second.cost.seconds;
                      }),
                      {}};
  for (const auto& [bytes, p] : plans) bc.plans.push_back(p.schedule.describe());
  std::sort(bc.plans.begin(), bc.plans.end());
  bc.plans.erase(std::unique(bc.plans.begin(), bc.plans.end()), bc.plans.end());
  out.push_back(std::move(bc));
  return out;
}

}  // namespace tern::distributed::netsim
