// `tern bench p3`: P3's experiment (tern/distributed/p3/bench.h) under
// mpirun, e.g. behind shaped links:
//   scripts/netem.sh --rate 1gbit -np 6 -- tern bench p3 --model vgg19 --servers 2
// `tern simulate p3`: the same iteration in the cost model
// (tern/distributed/p3/projection.h), for clusters this machine lacks.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "tern/base/error.h"
#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/p3/bench.h"
#include "tern/distributed/p3/projection.h"
#include "tern/distributed/p3/link/send_queue.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace p3 = tern::distributed::p3;

nlohmann::json to_json(const p3::BenchResult& r) {
  nlohmann::json j = {{"bench", "p3"},          {"model", r.model},        {"parameters", r.parameters},
                      {"workers", r.workers},    {"servers", r.servers},    {"batch", r.batch},
                      {"tflops", r.tflops},      {"compute_s", r.compute_s}, {"slice_elems", r.slice_elems},
                      {"window", r.window},      {"iterations", r.iterations}, {"warmup", r.warmup},
                      {"rounds", r.rounds},      {"backend", r.backend}};
  if (!r.link_emulation.empty()) j["link_emulation"] = r.link_emulation;
  for (const p3::ScheduleResult& s : r.schedules) {
    nlohmann::json stalls = nlohmann::json::array();
    for (const p3::LayerStall& l : s.top_stalls) stalls.push_back({{"layer", l.layer}, {"seconds", l.seconds}});
    j["schedules"].push_back({{"schedule", s.schedule},
                              {"slices", s.slices},
                              {"median_iteration_s", s.median_iteration_s},
                              {"iteration_s", s.iteration_s},
                              {"speedup_vs_first", s.median_iteration_s > 0
                                                       ? r.schedules[0].median_iteration_s / s.median_iteration_s
                                                       : 0.0},
                              {"forward_stall_s", s.forward_stall_s},
                              {"top_stalls", stalls},
                              {"worker_bytes_sent", s.worker_bytes_sent},
                              {"worker_bytes_received", s.worker_bytes_received},
                              {"busiest_server_share", s.busiest_server_share}});
  }
  return j;
}

void print(const p3::BenchResult& r) {
  std::printf("p3 bench: %s (%.1fM parameters), %d workers + %d servers, batch %d per worker\n", r.model.c_str(),
              r.parameters / 1e6, r.workers, r.servers, r.batch);
  std::printf("compute %.1f ms per iteration (FLOPs at a stated %.2f TFLOP/s, slept), slices of %lld, window %d%s%s\n",
              r.compute_s * 1e3, r.tflops, static_cast<long long>(r.slice_elems), r.window,
              r.link_emulation.empty() ? "" : ", link emulation ", r.link_emulation.c_str());
  std::printf("medians of %d interleaved rounds of %d timed iterations\n\n", r.rounds, r.iterations - r.warmup);
  std::printf("%-8s %7s %14s %10s %16s %14s %s\n", "schedule", "slices", "iteration ms", "speed-up", "forward stall ms",
              "MB/iter/worker", "busiest server");
  for (const p3::ScheduleResult& s : r.schedules)
    std::printf("%-8s %7d %14.1f %9.2fx %16.1f %14.1f %13.1f%%\n", s.schedule.c_str(), s.slices,
                s.median_iteration_s * 1e3, r.schedules[0].median_iteration_s / s.median_iteration_s,
                s.forward_stall_s * 1e3, (s.worker_bytes_sent + s.worker_bytes_received) / 1e6,
                100 * s.busiest_server_share);
  std::printf("\nlongest forward stalls (ms per iteration):\n");
  for (const p3::ScheduleResult& s : r.schedules) {
    std::printf("  %-6s", s.schedule.c_str());
    for (const p3::LayerStall& l : s.top_stalls) std::printf(" %s %.1f", l.layer.c_str(), l.seconds * 1e3);
    std::printf("\n");
  }
}

void print_projection(const p3::ModelPlan& plan, const p3::ProjectionOptions& o,
                      const std::vector<p3::ScheduleProjection>& rows, bool json) {
  double compute = 0;
  for (const p3::PlanLayer& l : plan.layers) compute += l.forward_s + l.backward_s;
  if (json) {
    nlohmann::json j = {{"simulate", "p3"},        {"model", plan.model},   {"parameters", plan.parameters},
                        {"workers", o.workers},     {"servers", o.servers},  {"gbit", o.gbit},
                        {"alpha_us", o.alpha_us},   {"window", o.window},    {"slice_elems", o.slice_elems},
                        {"compute_s", compute}};
    for (const p3::ScheduleProjection& r : rows)
      j["schedules"].push_back({{"schedule", r.schedule},
                                {"slices", r.slices},
                                {"iteration_s", r.iteration_s},
                                {"forward_stall_s", r.forward_stall_s},
                                {"speedup_vs_first", rows[0].iteration_s / r.iteration_s}});
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("p3 projection: %s (%.1fM parameters), %d workers + %d servers, %.3g Gbit/s payload per NIC and "
              "direction, alpha %.0f us, window %d\n",
              plan.model.c_str(), plan.parameters / 1e6, o.workers, o.servers, o.gbit, o.alpha_us, o.window);
  std::printf("compute %.1f ms per iteration; slices of %lld\n\n", compute * 1e3,
              static_cast<long long>(o.slice_elems));
  std::printf("%-8s %7s %14s %10s %16s\n", "schedule", "slices", "iteration ms", "speed-up", "forward stall ms");
  for (const p3::ScheduleProjection& r : rows)
    std::printf("%-8s %7d %14.1f %9.2fx %16.1f\n", r.schedule.c_str(), r.slices, r.iteration_s * 1e3,
                rows[0].iteration_s / r.iteration_s, r.forward_stall_s * 1e3);
}

void setup_simulate(CLI::App& root) {
  CLI::App* sim = shared_group(root, "simulate",
                               "Network cost models: all-reduce schedules, data-parallel and parameter-server iterations");
  auto* cmd = sim->add_subcommand("p3", "Projected parameter-server iteration time: whole tensors, sliced FIFO, P3");
  auto o = std::make_shared<p3::ProjectionOptions>();
  auto model = std::make_shared<std::string>("resnet50");
  auto batch = std::make_shared<int>(32);
  auto tflops = std::make_shared<double>(5);
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--model", *model, "zoo model (its real tensors and per-layer FLOPs)")->capture_default_str();
  cmd->add_option("--workers", o->workers, "worker processes")->capture_default_str();
  cmd->add_option("--servers", o->servers, "server processes")->capture_default_str();
  cmd->add_option("--gbit", o->gbit, "usable payload rate of every NIC, each direction (tc's 1gbit: ~0.96)")
      ->capture_default_str();
  cmd->add_option("--alpha-us", o->alpha_us, "latency of one message after its transfer")->capture_default_str();
  cmd->add_option("--window", o->window, "slices in flight per link and direction")->capture_default_str();
  cmd->add_option("--slice-elems", o->slice_elems, "elements per slice (fifo and p3)")->capture_default_str();
  cmd->add_option("--schedules", o->schedules, "whole, fifo, p3")->delimiter(',')->capture_default_str();
  cmd->add_option("--batch", *batch, "samples per worker")->capture_default_str();
  cmd->add_option("--tflops", *tflops, "stated device speed (FLOP/s / 1e12)")->capture_default_str();
  cmd->add_option("--iterations", o->iterations, "simulated iterations, the first --warmup untimed")
      ->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "untimed iterations")->capture_default_str();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([o, model, batch, tflops, json] {
    for (const std::string& s : o->schedules) p3::parse_schedule(s);  // before describing the model
    const p3::ModelPlan plan = p3::plan_zoo_model(*model, *batch, *tflops * 1e12);
    print_projection(plan, *o, p3::project(plan, *o), *json);
  });
}

TERN_CLI_COMMAND(setup_simulate);

void setup(CLI::App& root) {
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  auto* cmd = bench->add_subcommand(
      "p3", "P3 vs FIFO parameter-server iteration time with a zoo model's real tensors (run under mpirun)");
  auto o = std::make_shared<p3::BenchOptions>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--model", o->model, "zoo model whose parameter tensors are moved (resnet50, vgg19, lstm-lm, ...)")
      ->capture_default_str();
  cmd->add_option("--servers", o->servers, "server ranks (the last ones); the others are workers")->capture_default_str();
  cmd->add_option("--slice-elems", o->slice_elems, "elements per slice (fifo and p3)")->capture_default_str();
  cmd->add_option("--schedules", o->schedules, "whole (one message per tensor, FIFO), fifo (sliced), p3 (sliced, priority)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--batch", o->batch, "samples per worker (scales each layer's FLOPs)")->capture_default_str();
  cmd->add_option("--tflops", o->tflops, "stated device speed: a layer computes FLOPs / this, sleeping")
      ->capture_default_str();
  cmd->add_option("--iterations", o->iterations, "iterations per run, the first --warmup untimed")
      ->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "untimed iterations per run")->capture_default_str();
  cmd->add_option("--rounds", o->rounds, "runs of every schedule, interleaved (medians reported)")
      ->capture_default_str();
  cmd->add_option("--window", o->window, "slices in flight per link and direction (receiver credits)")
      ->capture_default_str();
  cmd->add_option("--emulate", o->emulate,
                  "software link emulation, e.g. groups=6x1,inter_gbit=1 (else TERN_LINK_EMULATION)");
  cmd->add_flag("--json", *json, "print one JSON object (rank 0)");
  cmd->callback([o, json] {
    p3::check_bench_options(*o);  // before MPI starts
    const char* ranks = std::getenv("OMPI_COMM_WORLD_SIZE");  // set by mpirun, read before MPI starts
    TERN_CHECK(ranks && std::atoi(ranks) > o->servers, "tern bench p3 runs under mpirun with at least --servers + 1 = ",
               o->servers + 1, " ranks (e.g. mpirun -np ", o->servers + 2, " tern bench p3 ...)");
    try {
      const p3::BenchResult r = p3::run_bench(*o, [json](const std::string& line) {
        std::fprintf(stderr, "%s\n", line.c_str());
      });
      if (!r.leader) return;
      if (*json) std::printf("%s\n", to_json(r).dump().c_str());
      else print(r);
    } catch (const tern::Error& e) {
      // The other ranks would wait for this one until their timeout.
      std::fprintf(stderr, "tern: error: %s\n", e.what());
      tern::distributed::comm::abort_job(2);
    }
  });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
