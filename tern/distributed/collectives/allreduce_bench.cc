#include "tern/distributed/collectives/allreduce_bench.h"

#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include "tern/base/error.h"
#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/collectives/blueconnect_auto.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/link_emulation.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/netsim/schedules.h"

namespace tern::distributed::collectives {

namespace {

// The all-reduce being timed: a flat algorithm, or BlueConnect built once.
struct AllreduceRunner {
  Algorithm algo = Algorithm::ring;
  std::unique_ptr<BlueConnect> blueconnect;
  std::string name;
  netsim::BlueConnectSchedule schedule;  // blueconnect: the same schedule as the model sees it

  AllreduceRunner(comm::Communicator& comm, const AllreduceBenchOptions& f, const netsim::Topology* probed) {
    if (f.algo != "blueconnect") {
      algo = parse_algorithm(f.algo);
      name = algorithm_name(algo);
      TERN_CHECK(algo != Algorithm::native || !f.predict, "--predict models ring and hd only, not ", f.algo);
      return;
    }
    BlueConnectPlan plan;
    if (f.factors == "auto") {
      TERN_CHECK(f.order.empty() && f.stage_algos.empty(),
                 "--order and --stage-algos go with explicit --factors, not auto (the planner picks them)");
      TERN_ASSERT(probed, "--factors auto runs the probe first");
      plan = plan_from_model(*probed, f.bytes);
    } else {
      plan = parse_blueconnect_plan(f.factors, comm.size());
      if (!f.order.empty()) plan.order = parse_stage_order(f.order);
      if (!f.stage_algos.empty()) plan.stage_algos = parse_stage_algorithms(f.stage_algos);
    }
    blueconnect = std::make_unique<BlueConnect>(comm, plan);
    name = "blueconnect " + format_blueconnect_plan(plan);
    schedule = {plan.factors, plan.order, {}};
    for (Algorithm a : plan.stage_algos) {
      TERN_CHECK(a != Algorithm::native || !f.predict, "--predict models ring and hd stages only");
      schedule.algos.push_back(a == Algorithm::ring ? netsim::StageAlgo::ring
                                                        : netsim::StageAlgo::halving_doubling);
    }
  }
  // The cost model's time for this all-reduce on a probed topology.
  double predicted_seconds(const netsim::Topology& topo, double bytes) const {
    if (blueconnect) return netsim::blueconnect_cost(topo, bytes, schedule).seconds;
    return algo == Algorithm::ring ? netsim::ring_allreduce_cost(topo, bytes).seconds
                                       : netsim::hd_allreduce_cost(topo, bytes).seconds;
  }
  void operator()(comm::Communicator& comm, std::span<float> data) {
    if (blueconnect) blueconnect->allreduce(data);
    else allreduce(comm, data, algo);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

AllreduceBenchResult bench_allreduce(const AllreduceBenchOptions& f) {
  TERN_CHECK(f.bytes >= 4 && f.bytes % 4 == 0 && f.bytes <= (int64_t{1} << 34),
             "--size must be a multiple of 4 bytes (float32) in [4, 16G], given ", f.bytes);
  TERN_CHECK(f.iters >= 1, "--iters must be >= 1, given ", f.iters);
  TERN_CHECK(f.warmup >= 0, "--warmup must be >= 0, given ", f.warmup);
  std::unique_ptr<comm::Communicator> world = comm::mpi_world();
  std::optional<comm::LinkEmulation> emulation = f.emulate.empty()
                                                   ? comm::link_emulation_from_env(world->size())
                                                   : comm::parse_link_emulation(f.emulate, world->size());
  if (emulation) world = comm::emulate_links(std::move(world), *emulation);
  const int p = world->size(), rank = world->rank();
  std::optional<netsim::Topology> probed;
  if (f.predict || (f.algo == "blueconnect" && f.factors == "auto"))
    probed = probe_topology(*world, emulation ? emulation->group_size : default_ranks_per_node(p));
  AllreduceRunner run(*world, f, probed ? &*probed : nullptr);
  const double predicted = probed ? run.predicted_seconds(*probed, static_cast<double>(f.bytes)) : 0;
  std::vector<float> data(static_cast<size_t>(f.bytes / 4));

  // The first run doubles as a correctness check: rank q contributes q + 1.
  std::fill(data.begin(), data.end(), static_cast<float>(rank + 1));
  run(*world, std::span<float>(data));
  const float want = static_cast<float>(p) * (p + 1) / 2;
  const bool ok = std::all_of(data.begin(), data.end(), [&](float x) { return x == want; });
  TERN_CHECK(ok, "allreduce --algo ", f.algo, " gave a wrong sum on rank ", rank, " (expected ", want, ")");

  std::fill(data.begin(), data.end(), 0.0f);  // zeros stay finite however many runs
  for (int i = 0; i < f.warmup; ++i) run(*world, std::span<float>(data));
  std::vector<double> seconds(f.iters);
  for (int i = 0; i < f.iters; ++i) {
    world->barrier();
    const double start = comm::mpi_wtime();
    run(*world, std::span<float>(data));
    seconds[i] = comm::mpi_wtime() - start;
  }
  AllreduceBenchResult r;
  if (rank != 0) {
    world->send(std::span<const double>(seconds), 0, 1);
    return r;
  }
  std::vector<double> theirs(f.iters);
  for (int q = 1; q < p; ++q) {
    world->recv(std::span<double>(theirs), q, 1);
    for (int i = 0; i < f.iters; ++i) seconds[i] = std::max(seconds[i], theirs[i]);
  }
  r.leader = true;
  r.name = run.name;
  r.backend = world->backend();
  r.ranks = p;
  r.bytes = f.bytes;
  r.iters = f.iters;
  r.median_s = median(seconds);
  r.min_s = *std::min_element(seconds.begin(), seconds.end());
  r.algbw_gbps = r.median_s > 0 ? f.bytes / r.median_s / 1e9 : 0.0;
  r.busbw_gbps = r.algbw_gbps * 2.0 * (p - 1) / p;
  if (emulation) r.link_emulation = emulation->describe();
  r.probed = probed;
  r.predicted_s = predicted;
  return r;
}

}  // namespace tern::distributed::collectives
