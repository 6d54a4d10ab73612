// `tern bench staged`: eager vs staged (tern::graph::function) time per call,
// measured side by side in one run (tern/graph/staged_bench.h).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "tern/graph/staged_bench.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

void add_bench_staged(CLI::App& root) {
  auto f = std::make_shared<graph::StagedBenchOptions>();
  auto json = std::make_shared<bool>(false);
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  auto* cmd = bench->add_subcommand("staged", "Eager vs staged (graph::function) time per call, side by side");
  cmd->add_option("--workload", f->workload, "l2hmc, mlp (batch 32) or resnet20 (batch 64)")
      ->check(CLI::IsMember({"l2hmc", "mlp", "resnet20"}))
      ->capture_default_str();
  cmd->add_option("--calls", f->calls, "timed calls of each (0: the workload's default)")->capture_default_str();
  cmd->add_option("--threads", f->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_flag("--inference", f->inference, "mlp/resnet20: forward only, no gradients (eval mode)");
  cmd->add_flag("--staged-backward", f->staged_backward,
                "mlp/resnet20: the function returns autograd::grad, so the backward ops are staged too");
  cmd->add_flag("--tape-backward", f->tape_backward,
                "mlp/resnet20 training step: record the staged call op by op on the tape instead of one node "
                "with a staged gradient graph");
  cmd->add_flag("--cpu-time", f->cpu_time,
                "time calls by the thread's CPU time instead of wall time (needs --threads 1; steadier on a busy "
                "machine)");
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([f, json] {
    const graph::StagedBenchResult r = graph::bench_staged(*f);
    const char* clock = f->cpu_time ? "thread cpu time" : "wall";
    if (*json) {
      std::printf("%s\n", nlohmann::json({{"workload", f->workload},
                                          {"description", r.description},
                                          {"threads", r.threads},
                                          {"calls", r.calls},
                                          {"inference", f->inference},
                                          {"staged_backward", f->staged_backward},
                                          {"tape_backward", f->tape_backward},
                                          {"clock", clock},
                                          {"graph_nodes", r.graph_nodes},
                                          {"eager_ms_per_call", r.eager_ms},
                                          {"staged_ms_per_call", r.staged_ms},
                                          {"speedup", r.speedup()}})
                                  .dump()
                                  .c_str());
    } else {
      std::printf("%s\n%d threads, %d calls each (median, %s), staged graph: %zu nodes\n", r.description.c_str(),
                  r.threads, r.calls, f->cpu_time ? "thread cpu time" : "wall time", r.graph_nodes);
      std::printf("  eager   %10.4f ms/call\n  staged  %10.4f ms/call\n  speedup %10.2fx\n", r.eager_ms, r.staged_ms,
                  r.speedup());
    }
  });
}

void setup(CLI::App& root) { add_bench_staged(root); }

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
