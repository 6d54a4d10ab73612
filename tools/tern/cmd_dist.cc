// `tern bench allreduce`: time and bus bandwidth of one all-reduce algorithm,
// run under mpirun (`mpirun -np 4 tern bench allreduce --algo ring --size 64M`).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tern/base/error.h"
#include "tern/dist/collectives/collectives.h"
#include "tern/dist/comm/mpi_communicator.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace td = tern::dist;

struct AllreduceFlags {
  std::string algo = "ring";
  int64_t bytes = int64_t{64} << 20;
  int iters = 20;
  int warmup = 3;
  bool json = false;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Each timed iteration starts after a barrier; its time is the slowest
// rank's, collected on rank 0. The median is reported, robust to a noisy host.
void bench_allreduce(const AllreduceFlags& f) {
  const td::Algorithm algo = td::parse_algorithm(f.algo);
  TERN_CHECK(f.bytes >= 0 && f.bytes % 4 == 0, "--size must be a non-negative multiple of 4 bytes (float32), given ",
             f.bytes);
  TERN_CHECK(f.iters >= 1, "--iters must be >= 1, given ", f.iters);
  TERN_CHECK(f.warmup >= 0, "--warmup must be >= 0, given ", f.warmup);
  auto comm = td::mpi_world();
  const int p = comm->size(), rank = comm->rank();
  std::vector<float> data(static_cast<size_t>(f.bytes / 4));

  // The first run doubles as a correctness check: rank q contributes q + 1.
  std::fill(data.begin(), data.end(), static_cast<float>(rank + 1));
  td::allreduce(*comm, std::span<float>(data), algo);
  const float want = static_cast<float>(p) * (p + 1) / 2;
  const bool ok = std::all_of(data.begin(), data.end(), [&](float x) { return x == want; });
  TERN_CHECK(ok, "allreduce --algo ", f.algo, " gave a wrong sum on rank ", rank, " (expected ", want, ")");

  std::fill(data.begin(), data.end(), 0.0f);  // zeros stay finite however many runs
  for (int i = 0; i < f.warmup; ++i) td::allreduce(*comm, std::span<float>(data), algo);
  std::vector<double> seconds(f.iters);
  for (int i = 0; i < f.iters; ++i) {
    comm->barrier();
    const double start = td::mpi_wtime();
    td::allreduce(*comm, std::span<float>(data), algo);
    seconds[i] = td::mpi_wtime() - start;
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
    nlohmann::json j = {{"op", "allreduce"},       {"algo", td::algorithm_name(algo)}, {"backend", comm->backend()},
                        {"ranks", p},              {"bytes", f.bytes},                 {"iters", f.iters},
                        {"median_s", t},           {"min_s", t_min},                   {"algbw_gbps", algbw},
                        {"busbw_gbps", busbw}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("allreduce %s over %s, %d rank%s, %lld bytes (float32)\n", td::algorithm_name(algo),
              comm->backend().c_str(), p, p == 1 ? "" : "s", static_cast<long long>(f.bytes));
  std::printf("time      %.3f ms median of %d (min %.3f ms)\n", t * 1e3, f.iters, t_min * 1e3);
  std::printf("busbw     %.3f GB/s (algbw %.3f GB/s; busbw = algbw * 2(p-1)/p)\n", busbw, algbw);
}

void setup(CLI::App& root) {
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  auto* cmd = bench->add_subcommand("allreduce", "All-reduce time and bus bandwidth (run under mpirun)");
  auto f = std::make_shared<AllreduceFlags>();
  cmd->add_option("--algo", f->algo, "ring, hd (halving-doubling) or mpi (MPI_Allreduce)")->capture_default_str();
  cmd->add_option("--size", f->bytes, "bytes per rank (a multiple of 4; suffixes K, M, G)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  cmd->add_option("--iters", f->iters, "timed all-reduces (median reported)")->capture_default_str();
  cmd->add_option("--warmup", f->warmup, "untimed all-reduces first")->capture_default_str();
  cmd->add_flag("--json", f->json, "print one JSON object (rank 0)");
  cmd->callback([f] {
    try {
      bench_allreduce(*f);
    } catch (const td::PeerTimeout& e) {
      // MPI_Finalize would wait for the stuck peer: end the whole job now.
      std::fprintf(stderr, "tern: error: %s\n", e.what());
      td::abort_job(2);
    }
  });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
