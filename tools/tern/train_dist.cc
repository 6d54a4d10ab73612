#include "tools/tern/train_dist.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tern/distributed/comm/counting_communicator.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/collectives/blueconnect_auto.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/ddp/ddp_trainer.h"
#include "tern/distributed/ddp/fp16_reducer.h"
#include "tern/distributed/ddp/powersgd_reducer.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/ps/ps_trainer.h"

namespace tern::cli {

struct DistFlags {
  std::string mode = "none";
  std::string allreduce = "ring";
  std::string factors = "auto";
  int64_t bucket_kb = 1024;
  bool no_overlap = false;
  int servers = 1;
  bool async = false;
  int staleness = 0;
  std::string codec = "none";
  std::vector<std::string> codec_args;
  std::string pull_codec;
  std::vector<std::string> pull_codec_args;
  bool momentum_correction = false;
};

std::shared_ptr<DistFlags> add_dist_train_options(CLI::App& cmd) {
  auto f = std::make_shared<DistFlags>();
  cmd.add_option("--dist", f->mode,
                 "distributed training under mpirun: none, allreduce (data-parallel) or ps (parameter server); "
                 "--batch-size is then the global batch, split evenly over the workers")
      ->check(CLI::IsMember({"none", "allreduce", "ps"}))
      ->capture_default_str();
  cmd.add_option("--allreduce", f->allreduce, "allreduce: ring, hd (halving-doubling), mpi or blueconnect")
      ->check(CLI::IsMember({"ring", "hd", "mpi", "blueconnect"}))
      ->capture_default_str();
  cmd.add_option("--factors", f->factors,
                 "allreduce blueconnect: AxB... (coordinate 0 fastest) or auto (cost model with probed links)")
      ->capture_default_str();
  cmd.add_option("--bucket-kb", f->bucket_kb, "allreduce: gradient bucket size in KiB")->capture_default_str();
  cmd.add_flag("--no-overlap", f->no_overlap, "allreduce: reduce all buckets after backward instead of during it");
  cmd.add_option("--servers", f->servers, "ps: server ranks (the last ones); the others are workers")
      ->capture_default_str();
  cmd.add_flag("--async", f->async, "ps: apply each push as it arrives instead of synchronous rounds");
  cmd.add_option("--staleness", f->staleness, "ps --async: steps the fastest worker may run ahead of the slowest")
      ->capture_default_str();
  cmd.add_option("--codec", f->codec,
                 "ps: codec for pushes and pulls (see tern codec list); allreduce: none, fp16 or powersgd")
      ->capture_default_str();
  cmd.add_option("--codec-arg", f->codec_args, "ps: codec argument k=v (repeatable), e.g. s=1.9");
  cmd.add_option("--pull-codec", f->pull_codec, "ps: codec for the servers' model deltas (default: --codec)");
  cmd.add_option("--pull-codec-arg", f->pull_codec_args, "ps: pull codec argument k=v (repeatable)");
  cmd.add_flag("--momentum-correction", f->momentum_correction,
               "ps: DGC momentum correction: workers keep the SGD momentum and push their velocity through a "
               "sparsifying codec (topk, randomk, 3lc); servers step without momentum");
  return f;
}

bool run_dist_train(const DistFlags& f, train::TrainOptions opt, bool json) {
  if (f.mode == "none") return false;
  namespace td = tern::distributed;
  // Flag mistakes are reported before MPI starts, so they are one line each
  // and not an MPI_ABORT.
  TERN_CHECK(f.mode != "allreduce" || f.codec == "none" || f.codec == "powersgd" || f.codec == "fp16", "--codec ",
             f.codec, " needs --dist ps: its streams cannot be summed inside an all-reduce (with --dist allreduce ",
             "use --codec fp16 or powersgd, whose values or low-rank factors can)");
  TERN_CHECK(f.mode != "allreduce" || f.codec != "fp16" || f.allreduce == "ring" || f.allreduce == "hd",
             "--codec fp16 needs --allreduce ring or hd (tern's own collectives sum in half precision; ",
             f.allreduce, " cannot)");
  TERN_CHECK(f.mode != "allreduce" || f.codec != "fp16" || f.codec_args.empty(),
             "--dist allreduce --codec fp16 takes no --codec-arg");
  TERN_CHECK(f.mode == "ps" || (f.pull_codec.empty() && f.pull_codec_args.empty() && !f.momentum_correction),
             "--pull-codec, --pull-codec-arg and --momentum-correction need --dist ps");
  TERN_CHECK(f.pull_codec_args.empty() || !f.pull_codec.empty(), "--pull-codec-arg needs --pull-codec NAME");
  TERN_CHECK(f.servers >= 1, "--servers must be >= 1, got ", f.servers);
  TERN_CHECK(f.staleness >= 0, "--staleness must be >= 0, got ", f.staleness);
  TERN_CHECK(f.bucket_kb > 0, "--bucket-kb must be positive, got ", f.bucket_kb);
  td::compress::CodecArgs codec_args;
  for (const auto& a : f.codec_args) codec_args.add(a);
  td::compress::CodecArgs pull_codec_args;
  for (const auto& a : f.pull_codec_args) pull_codec_args.add(a);
  int64_t powersgd_rank = 0, powersgd_seed = 0;
  td::ps::PsOptions ps;
  if (f.mode == "ps") {
    (void)td::compress::make_codec(f.codec, codec_args);  // unknown codec or argument: a clear error now
    if (!f.pull_codec.empty()) (void)td::compress::make_codec(f.pull_codec, pull_codec_args);
    ps.servers = f.servers;
    ps.async = f.async;
    ps.staleness = f.staleness;
    ps.codec = f.codec;
    ps.codec_args = codec_args;
    ps.pull_codec = f.pull_codec;
    ps.pull_codec_args = pull_codec_args;
    ps.momentum_correction = f.momentum_correction;
    td::ps::check_ps_options(opt, ps);
  } else if (f.codec == "powersgd") {
    td::compress::CodecArgs args = codec_args;
    powersgd_rank = args.get_int("rank", 4);
    powersgd_seed = args.get_int("seed", 0);
    TERN_CHECK(powersgd_rank >= 1, "PowerSGD rank must be >= 1, got ", powersgd_rank);
    TERN_CHECK(args.unread().empty(), "--dist allreduce --codec powersgd takes rank=R and seed=S, not ",
               args.unread().front());
  }
  auto raw = td::comm::mpi_world();
  auto counters = std::make_shared<td::comm::TrafficCounters>();
  td::comm::CountingCommunicator world(*raw, counters);
  const int rank = world.rank();
  try {
    const int workers = f.mode == "ps" ? world.size() - f.servers : world.size();
    TERN_CHECK(workers >= 1, "--servers ", f.servers, " leaves no workers among ", world.size(), " ranks");
    TERN_CHECK(opt.batch_size % workers == 0, "global batch ", opt.batch_size, " does not split evenly over ", workers,
               " workers");
    opt.batch_size /= workers;
    opt.progress = opt.progress && rank == 0;

    train::TrainResult result;
    double exposed = 0;
    bool is_server = false;
    std::unique_ptr<td::collectives::BlueConnect> blueconnect;
    if (f.mode == "allreduce") {
      td::ddp::DdpOptions o;
      o.bucket_bytes = f.bucket_kb * 1024;
      std::shared_ptr<td::ddp::PowerSgdReducer> powersgd;
      if (f.codec == "powersgd") {
        powersgd = std::make_shared<td::ddp::PowerSgdReducer>(powersgd_rank, powersgd_seed);
        o.reduce_bucket = [powersgd](td::comm::Communicator& c, std::span<float> bucket,
                                     std::span<const td::ddp::BucketSlot> slots) { powersgd->reduce(c, bucket, slots); };
      } else if (f.codec == "fp16") {
        auto fp16 = std::make_shared<td::ddp::Fp16Reducer>(td::collectives::parse_algorithm(f.allreduce));
        o.reduce_bucket = [fp16](td::comm::Communicator& c, std::span<float> bucket, std::span<const td::ddp::BucketSlot>) {
          fp16->reduce(c, bucket);
        };
      }
      if (f.allreduce == "blueconnect") {
        const td::collectives::BlueConnectPlan plan =
            f.factors == "auto" ? td::collectives::plan_blueconnect_auto(world, o.bucket_bytes)
                                : td::collectives::parse_blueconnect_plan(f.factors, world.size());
        blueconnect = std::make_unique<td::collectives::BlueConnect>(world, plan);
        if (rank == 0 && !json) std::printf("blueconnect plan: %s\n", td::collectives::format_blueconnect_plan(plan).c_str());
        o.allreduce = [bc = blueconnect.get()](td::comm::Communicator&, std::span<float> data) { bc->allreduce(data); };
      } else {
        o.algorithm = td::collectives::parse_algorithm(f.allreduce);
      }
      o.overlap = !f.no_overlap;
      if (o.overlap) td::comm::set_wait_backoff(std::chrono::microseconds(50));  // leave the core to backward
      result = td::ddp::train_data_parallel(opt, o, world, &exposed);
    } else {
      const td::ps::PsRunResult r = td::ps::train_parameter_server(opt, ps, world);
      result = r.train;
      is_server = r.is_server;
    }

    // Per-rank traffic, gathered on rank 0 (over the uncounted communicator).
    std::vector<double> traffic(3 * world.size(), 0.0);
    traffic[3 * rank] = static_cast<double>(counters->bytes_sent);
    traffic[3 * rank + 1] = static_cast<double>(counters->bytes_received);
    traffic[3 * rank + 2] = is_server ? 1.0 : 0.0;
    td::collectives::allreduce(*raw, std::span<double>(traffic));
    if (rank != 0) return true;
    if (json) {
      nlohmann::json j = {{"model", opt.model},       {"dataset", opt.dataset},
                          {"dist", f.mode},            {"ranks", world.size()},
                          {"epochs", opt.epochs},      {"test_accuracy", result.test_accuracy},
                          {"train_samples_per_second", result.samples_per_second},
                          {"steps", result.steps}};
      if (f.mode == "allreduce") j["exposed_comm_seconds_rank0"] = exposed;
      j["codec"] = f.codec;
      if (f.mode == "ps") {
        j["pull_codec"] = f.pull_codec.empty() ? f.codec : f.pull_codec;
        j["momentum_correction"] = f.momentum_correction;
      }
      for (const auto& e : result.epochs)
        j["history"].push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"test_accuracy", e.test_accuracy},
                                {"seconds", e.seconds}});
      for (int r = 0; r < world.size(); ++r)
        j["traffic"].push_back({{"rank", r},
                                {"role", traffic[3 * r + 2] > 0 ? "server" : "worker"},
                                {"bytes_sent", traffic[3 * r]},
                                {"bytes_received", traffic[3 * r + 1]}});
      std::printf("%s\n", j.dump().c_str());
      return true;
    }
    for (int r = 0; r < world.size(); ++r)
      std::printf("rank %d (%s): sent %.2f MB, received %.2f MB\n", r, traffic[3 * r + 2] > 0 ? "server" : "worker",
                  traffic[3 * r] / 1e6, traffic[3 * r + 1] / 1e6);
    if (f.mode == "allreduce")
      std::printf("rank 0 waited %.2f s for gradients after backward\n", exposed);
    std::printf("%s on %s: test accuracy %.2f%% after %lld epochs, %.0f samples/s (%d ranks, --dist %s)\n",
                opt.model.c_str(), opt.dataset.c_str(), 100 * result.test_accuracy,
                static_cast<long long>(opt.epochs), result.samples_per_second, world.size(), f.mode.c_str());
    return true;
  } catch (const std::exception& e) {
    // The other ranks would wait for this one until their timeout: end the job now.
    const std::string what = e.what();
    if (what.rfind("rank ", 0) == 0) std::fprintf(stderr, "tern: error: %s\n", what.c_str());  // names its rank
    else std::fprintf(stderr, "tern: error: rank %d: %s\n", rank, what.c_str());
    std::fflush(stderr);
    td::comm::abort_job(2);
  }
}

}  // namespace tern::cli
