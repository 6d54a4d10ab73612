#include "tern/distributed/p3/projection.h"

#include "tern/base/error.h"
#include "tern/distributed/netsim/ps_iteration.h"
#include "tern/distributed/p3/link/send_queue.h"

namespace tern::distributed::p3 {

std::vector<ScheduleProjection> project(const ModelPlan& plan, const ProjectionOptions& o) {
  TERN_CHECK(o.workers >= 1 && o.servers >= 1, "--workers and --servers must be >= 1, got ", o.workers, " and ",
             o.servers);
  TERN_CHECK(o.gbit > 0, "--gbit must be > 0, got ", o.gbit);
  TERN_CHECK(o.alpha_us >= 0, "--alpha-us must be >= 0, got ", o.alpha_us);
  TERN_CHECK(o.slice_elems >= 1, "--slice-elems must be >= 1, got ", o.slice_elems);
  std::vector<Schedule> schedules;
  for (const std::string& name : o.schedules) schedules.push_back(parse_schedule(name));

  std::vector<netsim::PsLayer> layers;
  for (const PlanLayer& l : plan.layers) layers.push_back({l.forward_s, l.backward_s});
  netsim::PsCluster cluster;
  cluster.workers = o.workers;
  cluster.servers = o.servers;
  cluster.bytes_per_s = o.gbit * 1e9 / 8;
  cluster.alpha_s = o.alpha_us * 1e-6;
  cluster.window = o.window;

  std::vector<ScheduleProjection> out;
  for (const Schedule& sch : schedules) {
    const ps::Layout layout =
        ps::Layout::make(o.workers + o.servers, o.servers, plan.tensors, sch.sliced ? o.slice_elems : 0);
    std::vector<netsim::PsSlice> slices;
    for (const ps::Slice& s : layout.slices)
      slices.push_back({4.0 * static_cast<double>(s.numel), plan.tensor_layer[s.tensor], s.server});
    const netsim::PsIterationTime t = netsim::simulate_ps_iterations(
        layers, slices, cluster,
        sch.order == SendOrder::priority ? netsim::PsSendOrder::priority : netsim::PsSendOrder::fifo, o.iterations,
        o.warmup);
    out.push_back({sch.name, layout.num_slices(), t.iteration_s, t.forward_stall_s});
  }
  return out;
}

}  // namespace tern::distributed::p3
