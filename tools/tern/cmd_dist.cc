// `tern bench allreduce`: time and bus bandwidth of one all-reduce algorithm,
// run under mpirun (`mpirun -np 4 tern bench allreduce --algo ring --size 64M`).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tern/base/error.h"
#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/collectives/blueconnect_auto.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/link_emulation.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/netsim/schedules.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace td = tern::distributed;

struct AllreduceFlags {
  std::string algo = "ring";
  int64_t bytes = int64_t{64} << 20;
  int iters = 20;
  int warmup = 3;
  bool json = false;
  // --algo blueconnect
  std::string factors = "auto", order, stage_algos;
  std::string emulate;   // link emulation (else TERN_LINK_EMULATION)
  bool predict = false;  // probe the links and print the cost model's prediction
};

// The all-reduce being timed: a flat algorithm, or BlueConnect built once.
struct AllreduceRunner {
  td::collectives::Algorithm algo = td::collectives::Algorithm::ring;
  std::unique_ptr<td::collectives::BlueConnect> blueconnect;
  std::string name;
  td::netsim::BlueConnectSchedule schedule;  // blueconnect: the same schedule as the model sees it

  AllreduceRunner(td::comm::Communicator& comm, const AllreduceFlags& f, const td::netsim::Topology* probed) {
    if (f.algo != "blueconnect") {
      algo = td::collectives::parse_algorithm(f.algo);
      name = td::collectives::algorithm_name(algo);
      TERN_CHECK(algo != td::collectives::Algorithm::native || !f.predict, "--predict models ring and hd only, not ", f.algo);
      return;
    }
    td::collectives::BlueConnectPlan plan;
    if (f.factors == "auto") {
      TERN_CHECK(f.order.empty() && f.stage_algos.empty(),
                 "--order and --stage-algos go with explicit --factors, not auto (the planner picks them)");
      TERN_ASSERT(probed, "--factors auto runs the probe first");
      plan = td::collectives::plan_from_model(*probed, f.bytes);
    } else {
      plan = td::collectives::parse_blueconnect_plan(f.factors, comm.size());
      if (!f.order.empty()) plan.order = td::collectives::parse_stage_order(f.order);
      if (!f.stage_algos.empty()) plan.stage_algos = td::collectives::parse_stage_algorithms(f.stage_algos);
    }
    blueconnect = std::make_unique<td::collectives::BlueConnect>(comm, plan);
    name = "blueconnect " + td::collectives::format_blueconnect_plan(plan);
    schedule = {plan.factors, plan.order, {}};
    for (td::collectives::Algorithm a : plan.stage_algos) {
      TERN_CHECK(a != td::collectives::Algorithm::native || !f.predict, "--predict models ring and hd stages only");
      schedule.algos.push_back(a == td::collectives::Algorithm::ring ? td::netsim::StageAlgo::ring
                                                        : td::netsim::StageAlgo::halving_doubling);
    }
  }
  // The cost model's time for this all-reduce on a probed topology.
  double predicted_seconds(const td::netsim::Topology& topo, double bytes) const {
    if (blueconnect) return td::netsim::blueconnect_cost(topo, bytes, schedule).seconds;
    return algo == td::collectives::Algorithm::ring ? td::netsim::ring_allreduce_cost(topo, bytes).seconds
                                       : td::netsim::hd_allreduce_cost(topo, bytes).seconds;
  }
  void operator()(td::comm::Communicator& comm, std::span<float> data) {
    if (blueconnect) blueconnect->allreduce(data);
    else td::collectives::allreduce(comm, data, algo);
  }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Each timed iteration starts after a barrier; its time is the slowest
// rank's, collected on rank 0. The median is reported, robust to a noisy host.
void bench_allreduce(const AllreduceFlags& f) {
  TERN_CHECK(f.bytes >= 0 && f.bytes % 4 == 0, "--size must be a non-negative multiple of 4 bytes (float32), given ",
             f.bytes);
  TERN_CHECK(f.iters >= 1, "--iters must be >= 1, given ", f.iters);
  TERN_CHECK(f.warmup >= 0, "--warmup must be >= 0, given ", f.warmup);
  std::unique_ptr<td::comm::Communicator> comm = td::comm::mpi_world();
  std::optional<td::comm::LinkEmulation> emulation = f.emulate.empty()
                                                   ? td::comm::link_emulation_from_env(comm->size())
                                                   : td::comm::parse_link_emulation(f.emulate, comm->size());
  if (emulation) comm = td::comm::emulate_links(std::move(comm), *emulation);
  const int p = comm->size(), rank = comm->rank();
  std::optional<td::netsim::Topology> probed;
  if (f.predict || (f.algo == "blueconnect" && f.factors == "auto"))
    probed = td::collectives::probe_topology(*comm, emulation ? emulation->group_size : td::collectives::default_ranks_per_node(p));
  AllreduceRunner run(*comm, f, probed ? &*probed : nullptr);
  const double predicted = probed ? run.predicted_seconds(*probed, static_cast<double>(f.bytes)) : 0;
  std::vector<float> data(static_cast<size_t>(f.bytes / 4));

  // The first run doubles as a correctness check: rank q contributes q + 1.
  std::fill(data.begin(), data.end(), static_cast<float>(rank + 1));
  run(*comm, std::span<float>(data));
  const float want = static_cast<float>(p) * (p + 1) / 2;
  const bool ok = std::all_of(data.begin(), data.end(), [&](float x) { return x == want; });
  TERN_CHECK(ok, "allreduce --algo ", f.algo, " gave a wrong sum on rank ", rank, " (expected ", want, ")");

  std::fill(data.begin(), data.end(), 0.0f);  // zeros stay finite however many runs
  for (int i = 0; i < f.warmup; ++i) run(*comm, std::span<float>(data));
  std::vector<double> seconds(f.iters);
  for (int i = 0; i < f.iters; ++i) {
    comm->barrier();
    const double start = td::comm::mpi_wtime();
    run(*comm, std::span<float>(data));
    seconds[i] = td::comm::mpi_wtime() - start;
  }
  if (rank != 0) {
    comm->send(std::span<const double>(seconds), 0, 1);
    return;
  }
  std::vector<double> theirs(f.iters);
  for (int q = 1; q < p; ++q) {
    comm->recv(std::span<double>(theirs), q, 1);
    for (int i = 0; i < f.iters; ++i) seconds[i] = std::max(seconds[i], theirs[i]);
  }
  const double t = median(seconds), t_min = *std::min_element(seconds.begin(), seconds.end());
  const double algbw = t > 0 ? f.bytes / t / 1e9 : 0.0;
  const double busbw = algbw * 2.0 * (p - 1) / p;  // bytes each link carries in a ring (NCCL's convention)
  if (f.json) {
    nlohmann::json j = {{"op", "allreduce"},       {"algo", run.name},                 {"backend", comm->backend()},
                        {"ranks", p},              {"bytes", f.bytes},                 {"iters", f.iters},
                        {"median_s", t},           {"min_s", t_min},                   {"algbw_gbps", algbw},
                        {"busbw_gbps", busbw}};
    if (emulation) j["link_emulation"] = emulation->describe();
    if (probed) {
      j["predicted_s"] = predicted;
      j["probed"] = {{"intra_alpha_s", probed->intra.alpha_s}, {"intra_bytes_per_s", probed->intra.bytes_per_s},
                     {"inter_alpha_s", probed->inter.alpha_s}, {"inter_bytes_per_s", probed->inter.bytes_per_s},
                     {"reduce_bytes_per_s", probed->reduce_bytes_per_s}};
    }
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("allreduce %s over %s, %d rank%s, %lld bytes (float32)\n", run.name.c_str(),
              comm->backend().c_str(), p, p == 1 ? "" : "s", static_cast<long long>(f.bytes));
  std::printf("time      %.3f ms median of %d (min %.3f ms)\n", t * 1e3, f.iters, t_min * 1e3);
  std::printf("busbw     %.3f GB/s (algbw %.3f GB/s; busbw = algbw * 2(p-1)/p)\n", busbw, algbw);
  if (probed) std::printf("model     %.3f ms predicted from probed links\n", predicted * 1e3);
}

void setup(CLI::App& root) {
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  auto* cmd = bench->add_subcommand("allreduce", "All-reduce time and bus bandwidth (run under mpirun)");
  auto f = std::make_shared<AllreduceFlags>();
  cmd->add_option("--algo", f->algo, "ring, hd (halving-doubling), mpi (MPI_Allreduce) or blueconnect")
      ->capture_default_str();
  cmd->add_option("--factors", f->factors, "blueconnect: AxB... (coordinate 0 fastest) or auto (cost model, probed links)")
      ->capture_default_str();
  cmd->add_option("--order", f->order, "blueconnect: reduce-scatter stage order, e.g. 1,0 (default 0,1,...)");
  cmd->add_option("--stage-algos", f->stage_algos, "blueconnect: one algorithm per factor, e.g. ring,hd (default ring)");
  cmd->add_option("--emulate", f->emulate,
                  "software link emulation, e.g. groups=2x2,inter_delay_us=50[,inter_gbit=1] (else TERN_LINK_EMULATION)");
  cmd->add_flag("--predict", f->predict, "probe the links and print the cost model's prediction");
  cmd->add_option("--size", f->bytes, "bytes per rank (a multiple of 4; suffixes K, M, G)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--iters", f->iters, "timed all-reduces (median reported)")->capture_default_str();
  cmd->add_option("--warmup", f->warmup, "untimed all-reduces first")->capture_default_str();
  cmd->add_flag("--json", f->json, "print one JSON object (rank 0)");
  cmd->callback([f] {
    try {
      bench_allreduce(*f);
    } catch (const td::comm::PeerTimeout& e) {
      // MPI_Finalize would wait for the stuck peer: end the whole job now.
      std::fprintf(stderr, "tern: error: %s\n", e.what());
      td::comm::abort_job(2);
    }
  });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
