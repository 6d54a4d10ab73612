// `tern simulate p3`: the bench's iteration (bench.h) in the cost model of
// netsim/ps_iteration.h, for clusters this machine does not have. Same
// plan (model_plan.h), same layout and schedules; links are a payload rate
// and a per-message latency instead of real ones.
#pragma once

#include <string>
#include <vector>

#include "tern/distributed/p3/model_plan.h"

namespace tern::distributed::p3 {

struct ProjectionOptions {
  int workers = 4, servers = 2;
  double gbit = 0.96;     // usable payload rate per NIC and direction (tc's 1gbit carries ~0.96 of TCP payload)
  double alpha_us = 50;   // per message, after its transfer
  int window = 2;         // as --window of the bench
  int64_t slice_elems = 40000;
  std::vector<std::string> schedules = {"whole", "fifo", "p3"};
  int iterations = 6, warmup = 1;
};

struct ScheduleProjection {
  std::string schedule;
  int slices = 0;
  double iteration_s = 0;
  double forward_stall_s = 0;  // worker 0, per iteration
};

// Throws ValueError on bad counts, rates or schedule names.
std::vector<ScheduleProjection> project(const ModelPlan& plan, const ProjectionOptions& o);

}  // namespace tern::distributed::p3
