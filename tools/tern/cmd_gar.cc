// `tern bench gar`: time of one Byzantine-resilient aggregation rule on n
// random gradients of d floats. The benchmark is
// tern/distributed/ps/gar/gar_bench.h.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "tern/distributed/ps/gar/gar.h"
#include "tern/distributed/ps/gar/gar_bench.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace gar = tern::distributed::ps::gar;

void print(const gar::GarBenchResult& r, bool json) {
  if (json) {
    const nlohmann::json j = {{"bench", "gar"},          {"rule", r.rule},       {"n", r.n},
                              {"f", r.f},                {"dim", r.dim},         {"threads", r.threads},
                              {"iters", r.iters},        {"median_s", r.median_s}, {"min_s", r.min_s},
                              {"distances_median_s", r.distances_median_s}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("gar %s: n=%d f=%d d=%lld, %d thread%s\n", r.rule.c_str(), r.n, r.f, static_cast<long long>(r.dim),
              r.threads, r.threads == 1 ? "" : "s");
  std::printf("time       %.3f ms median of %d (min %.3f ms)\n", r.median_s * 1e3, r.iters, r.min_s * 1e3);
  if (r.distances_median_s > 0) std::printf("distances  %.3f ms of it (pairwise, median)\n", r.distances_median_s * 1e3);
}

void setup(CLI::App& root) {
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  std::string rules;
  for (const auto& e : gar::registry()) rules += (rules.empty() ? "" : ", ") + e.name;
  auto* cmd = bench->add_subcommand("gar", "Time of a Byzantine-resilient aggregation rule (Krum, Bulyan, ...)");
  auto o = std::make_shared<gar::GarBenchOptions>();
  auto json = std::make_shared<bool>(false);
  auto args = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--rule", o->rule, "aggregation rule: " + rules)->capture_default_str();
  cmd->add_option("--arg", *args, "rule argument k=v (repeatable), e.g. m=10, theta=aggregathor, distances=gemm");
  cmd->add_option("--n", o->n, "gradients per aggregation")->capture_default_str();
  cmd->add_option("--f", o->f, "Byzantine gradients tolerated")->capture_default_str();
  cmd->add_option("--dim", o->dim, "floats per gradient")->capture_default_str();
  cmd->add_option("--iters", o->iters, "timed aggregations (median reported)")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "untimed aggregations first")->capture_default_str();
  cmd->add_option("--threads", o->threads, "threads (0: all cores)")->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the random gradients")->capture_default_str();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([o, json, args] {
    for (const std::string& kv : *args) o->args.add(kv);
    print(gar::bench_gar(*o), *json);
  });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
