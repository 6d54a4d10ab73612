// `tern bench allreduce`: time and bus bandwidth of one all-reduce algorithm,
// run under mpirun (`mpirun -np 4 tern bench allreduce --algo ring --size 64M`).
// The benchmark is tern/distributed/collectives/allreduce_bench.h.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "tern/distributed/collectives/allreduce_bench.h"
#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace tc = tern::distributed::collectives;

void print(const tc::AllreduceBenchResult& r, bool json) {
  if (json) {
    nlohmann::json j = {{"op", "allreduce"},       {"algo", r.name},       {"backend", r.backend},
                        {"ranks", r.ranks},        {"bytes", r.bytes},     {"iters", r.iters},
                        {"median_s", r.median_s},  {"min_s", r.min_s},     {"algbw_gbps", r.algbw_gbps},
                        {"busbw_gbps", r.busbw_gbps}};
    if (!r.link_emulation.empty()) j["link_emulation"] = r.link_emulation;
    if (r.probed) {
      const auto& p = *r.probed;
      j["predicted_s"] = r.predicted_s;
      j["probed"] = {{"intra_alpha_s", p.intra.alpha_s}, {"intra_bytes_per_s", p.intra.bytes_per_s},
                     {"inter_alpha_s", p.inter.alpha_s}, {"inter_bytes_per_s", p.inter.bytes_per_s},
                     {"reduce_bytes_per_s", p.reduce_bytes_per_s}};
    }
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("allreduce %s over %s, %d rank%s, %lld bytes (float32)\n", r.name.c_str(), r.backend.c_str(), r.ranks,
              r.ranks == 1 ? "" : "s", static_cast<long long>(r.bytes));
  std::printf("time      %.3f ms median of %d (min %.3f ms)\n", r.median_s * 1e3, r.iters, r.min_s * 1e3);
  std::printf("busbw     %.3f GB/s (algbw %.3f GB/s; busbw = algbw * 2(p-1)/p)\n", r.busbw_gbps, r.algbw_gbps);
  if (r.probed) std::printf("model     %.3f ms predicted from probed links\n", r.predicted_s * 1e3);
}

void setup(CLI::App& root) {
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  auto* cmd = bench->add_subcommand("allreduce", "All-reduce time and bus bandwidth (run under mpirun)");
  auto f = std::make_shared<tc::AllreduceBenchOptions>();
  auto json = std::make_shared<bool>(false);
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
  cmd->add_flag("--json", *json, "print one JSON object (rank 0)");
  cmd->callback([f, json] {
    try {
      const tc::AllreduceBenchResult r = tc::bench_allreduce(*f);
      if (r.leader) print(r, *json);
    } catch (const tern::distributed::comm::PeerTimeout& e) {
      // MPI_Finalize would wait for the stuck peer: end the whole job now.
      std::fprintf(stderr, "tern: error: %s\n", e.what());
      tern::distributed::comm::abort_job(2);
    }
  });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
