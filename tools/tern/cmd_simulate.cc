// `tern simulate allreduce|dataparallel`: the netsim cost model
// (tern/distributed/netsim) from the command line. allreduce predicts schedules
// on a cluster with their per-stage breakdown and the planned BlueConnect;
// dataparallel is the BlueConnect paper's experiment (a model zoo network's
// backward pass overlapped with bucketed gradient all-reduces).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "tern/base/error.h"
#include "tern/distributed/netsim/data_parallel.h"
#include "tern/distributed/netsim/planner.h"
#include "tern/distributed/netsim/schedules.h"
#include "tern/nn/describe.h"
#include "tern/nn/models.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace ns = tern::distributed::netsim;

struct ClusterFlags {
  std::string topology = "48x4", intra = "nvlink", inter = "ib-100g";
  int nics_per_node = 1, nodes_per_switch = 0;
  double oversubscription = 1;
  bool json = false;

  ns::Topology make() const {
    ns::Topology t = ns::parse_topology(topology, ns::parse_link(intra), ns::parse_link(inter));
    t.nics_per_node = nics_per_node;
    t.nodes_per_switch = nodes_per_switch;
    t.oversubscription = oversubscription;
    ns::validate(t);
    return t;
  }
  void add_to(CLI::App* cmd) {
    cmd->add_option("--topology", topology, "<nodes>x<devices per node>")->capture_default_str();
    cmd->add_option("--intra", intra, "fabric inside a node: a preset or alpha_us=..,gbit=..")->capture_default_str();
    cmd->add_option("--inter", inter, "fabric between nodes: a preset or alpha_us=..,gbit=..")->capture_default_str();
    cmd->add_option("--nics-per-node", nics_per_node, "NICs each node's inter-node flows share")->capture_default_str();
    cmd->add_option("--nodes-per-switch", nodes_per_switch, "nodes per leaf switch (0: one non-blocking switch)")
        ->capture_default_str();
    cmd->add_option("--oversubscription", oversubscription, "leaf uplink oversubscription (e.g. 4 for 4:1)")
        ->capture_default_str();
    cmd->add_flag("--json", json, "print one JSON object");
  }
};

nlohmann::json stages_json(const ns::CostBreakdown& b) {
  nlohmann::json stages = nlohmann::json::array();
  for (const ns::StageCost& s : b.stages)
    stages.push_back({{"what", s.what}, {"algo", s.algo}, {"group_size", s.group_size}, {"groups", s.groups},
                      {"fabric", s.fabric}, {"rounds", s.rounds}, {"bytes", s.bytes}, {"seconds", s.seconds}});
  return stages;
}

void print_breakdown(const ns::CostBreakdown& b, int p, double bytes) {
  const double busbw = b.seconds > 0 ? bytes / b.seconds * 2.0 * (p - 1) / p / 1e9 : 0;
  std::printf("%-44s %10.3f ms  busbw %7.2f GB/s\n", b.schedule.c_str(), b.seconds * 1e3, busbw);
  for (const ns::StageCost& s : b.stages)
    std::printf("    %-15s %-9s %4d groups of %-4d %-6s %4d steps on %12.0f B  %10.3f ms\n", s.what.c_str(),
                s.algo.c_str(), s.groups, s.group_size, s.fabric.c_str(), s.rounds, s.bytes, s.seconds * 1e3);
}

void simulate_allreduce(const ClusterFlags& c, int64_t bytes, const std::string& algos) {
  const ns::Topology topo = c.make();
  const double n = static_cast<double>(bytes);
  const ns::ScheduleComparison cmp = ns::compare_allreduce_schedules(topo, n, algos);
  const auto& results = cmp.results;
  if (c.json) {
    nlohmann::json j = {{"topology", topo.describe()}, {"ranks", topo.size()}, {"bytes", bytes}};
    for (const ns::CostBreakdown& b : results)
      j["schedules"].push_back({{"schedule", b.schedule}, {"seconds", b.seconds}, {"stages", stages_json(b)}});
    if (cmp.plan) j["plan"] = {{"schedule", cmp.plan->schedule.describe()}, {"candidates", cmp.plan->candidates}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("all-reduce of %lld bytes on %s, %d ranks (alpha-beta model)\n", static_cast<long long>(bytes),
              topo.describe().c_str(), topo.size());
  for (const ns::CostBreakdown& b : results) print_breakdown(b, topo.size(), n);
  if (cmp.plan)
    std::printf("plan: blueconnect %s (best of %d factorisation x order candidates)\n",
                cmp.plan->schedule.describe().c_str(), cmp.plan->candidates);
}

struct DataParallelFlags {
  std::string model = "resnet50";
  int batch = 32;
  double device_tflops = 5.0;
  int64_t bucket = 25 << 20;
};

void simulate_data_parallel(const ClusterFlags& c, const DataParallelFlags& f) {
  const ns::Topology topo = c.make();
  std::vector<ns::LayerWork> layers;
  for (const nn::LayerInfo& l : nn::describe_zoo_model(f.model).layers)
    layers.push_back({l.name, static_cast<double>(l.flops), l.parameters});
  const auto backward = ns::backward_pass(layers, f.batch, f.device_tflops * 1e12);
  const auto results = ns::compare_overlapped_allreduce(topo, backward, static_cast<double>(f.bucket));
  const double ring = results.front().timeline.exposed_s;
  if (c.json) {
    nlohmann::json j = {{"model", f.model},         {"topology", topo.describe()}, {"ranks", topo.size()},
                        {"batch_per_device", f.batch}, {"device_tflops", f.device_tflops},
                        {"bucket_bytes", f.bucket}, {"backward_s", results.front().timeline.backward_s}};
    for (const auto& r : results) {
      nlohmann::json buckets = nlohmann::json::array();
      for (const ns::BucketEvent& b : r.timeline.buckets)
        buckets.push_back({{"bytes", b.bytes}, {"ready_s", b.ready_s}, {"start_s", b.start_s}, {"end_s", b.end_s}});
      j["schedules"].push_back({{"schedule", r.schedule},
                                {"exposed_s", r.timeline.exposed_s},
                                {"comm_s", r.timeline.comm_s},
                                {"buckets", r.timeline.buckets.size()},
                                {"exposed_vs_ring", ring > 0 ? r.timeline.exposed_s / ring : 0},
                                {"plans", r.plans},
                                {"timeline", buckets}});
    }
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%s data-parallel on %s, %d ranks: batch %d per device at %.2f TFLOP/s, %lld-byte buckets\n",
              f.model.c_str(), topo.describe().c_str(), topo.size(), f.batch, f.device_tflops,
              static_cast<long long>(f.bucket));
  std::printf("backward pass %.2f ms, %zu buckets\n", results.front().timeline.backward_s * 1e3,
              results.front().timeline.buckets.size());
  std::printf("%-20s %14s %14s %16s\n", "schedule", "all-reduce ms", "exposed ms", "exposed vs ring");
  for (const auto& r : results)
    std::printf("%-20s %14.3f %14.3f %15.1f%%\n", r.schedule.c_str(), r.timeline.comm_s * 1e3,
                r.timeline.exposed_s * 1e3, ring > 0 ? 100 * r.timeline.exposed_s / ring : 0.0);
  for (const std::string& p : results.back().plans) std::printf("blueconnect plan: %s\n", p.c_str());
}

void setup(CLI::App& root) {
  CLI::App* sim = shared_group(root, "simulate", "Network cost models: all-reduce schedules, data-parallel and parameter-server iterations");

  auto* ar = sim->add_subcommand("allreduce", "Predicted all-reduce times with per-stage breakdown and the planned BlueConnect");
  auto cluster = std::make_shared<ClusterFlags>();
  auto size = std::make_shared<int64_t>(int64_t{100} << 20);
  auto algos = std::make_shared<std::string>("ring,hierarchical,blueconnect");
  cluster->add_to(ar);
  ar->add_option("--size", *size, "bytes per rank (suffixes K, M, G; KB = 1024)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  ar->add_option("--algo", *algos, "comma list of ring, hd, tree, hierarchical, hierarchical-sharded, blueconnect")
      ->capture_default_str();
  ar->callback([cluster, size, algos] { simulate_allreduce(*cluster, *size, *algos); });

  auto* dp = sim->add_subcommand("dataparallel",
                                 "One data-parallel iteration: backward overlapped with bucketed all-reduces");
  auto cluster2 = std::make_shared<ClusterFlags>();
  auto f = std::make_shared<DataParallelFlags>();
  cluster2->add_to(dp);
  dp->add_option("--model", f->model, "model zoo name")->capture_default_str();
  dp->add_option("--batch", f->batch, "examples per device")->capture_default_str();
  dp->add_option("--device-tflops", f->device_tflops, "sustained device speed, TFLOP/s")->capture_default_str();
  dp->add_option("--bucket", f->bucket, "gradient bucket size (suffixes K, M)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  dp->callback([cluster2, f] { simulate_data_parallel(*cluster2, *f); });
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
