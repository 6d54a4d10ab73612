#include "tern/base/parse.h"
#include "tern/distributed/collectives/blueconnect_auto.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/collectives/reduce.h"
#include "tern/distributed/comm/link_emulation.h"

namespace tern::distributed::collectives {
namespace {

constexpr int kTagProbe = 0x7b01;
constexpr int64_t kSmallBytes = 64;
constexpr int64_t kLargeBytes = int64_t{1} << 20;
constexpr int kSmallRounds = 40;
constexpr int kLargeRounds = 9;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Seconds per ring step of `bytes` in comm: `rounds` back-to-back steps,
// each timed on its own; the median step (robust to a rank losing its core
// for a while on a shared host), averaged over all ranks of world.
double ring_round_seconds(comm::Communicator& world, comm::Communicator& comm, int64_t bytes, int rounds) {
  std::vector<std::byte> out(bytes), in(bytes);
  const int right = (comm.rank() + 1) % comm.size(), left = (comm.rank() + comm.size() - 1) % comm.size();
  std::vector<double> steps;
  world.barrier();
  double last = now_s();
  for (int i = 0; i < rounds && comm.size() > 1; ++i) {
    auto recv = comm.irecv(std::span<std::byte>(in), left, kTagProbe);
    auto send = comm.isend(std::span<const std::byte>(out), right, kTagProbe);
    recv->wait();
    send->wait();
    const double t = now_s();
    steps.push_back(t - last);
    last = t;
  }
  std::sort(steps.begin(), steps.end());
  std::vector<double> mean = {steps.empty() ? 0.0 : steps[steps.size() / 2] / world.size()};
  allreduce(world, std::span<double>(mean), Algorithm::ring);
  return mean[0];
}

netsim::Link fit_link(const char* name, double t_small, double t_large) {
  // Two points of t = alpha + bytes / beta; noise can make the slope tiny
  // or negative, so beta is capped at 1 TB/s.
  const double slope = std::max((t_large - t_small) / double(kLargeBytes - kSmallBytes), 1e-12);
  netsim::Link link{name, std::max(0.0, t_small - kSmallBytes * slope), 1.0 / slope, false};
  return link;
}

// Bytes per second one rank sums while every rank sums.
double summing_speed(comm::Communicator& world) {
  const int64_t n = kLargeBytes / 4;
  std::vector<float> a(n, 1.0f), b(n, 2.0f);
  world.barrier();
  const double start = now_s();
  for (int i = 0; i < kLargeRounds; ++i) sum_into(std::span<float>(a), std::span<const float>(b));
  std::vector<double> mean = {(now_s() - start) / kLargeRounds / world.size()};
  allreduce(world, std::span<double>(mean), Algorithm::ring);
  return mean[0] > 0 ? kLargeBytes / mean[0] : 0;
}

}  // namespace

int default_ranks_per_node(int world_size) {
  if (auto emulation = comm::link_emulation_from_env(world_size)) return emulation->group_size;
  if (const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) {
    const int n = static_cast<int>(parse_int(local, "OMPI_COMM_WORLD_LOCAL_SIZE", {1, 1 << 20}));
    if (world_size % n == 0) return n;
  }
  return world_size;
}

netsim::Topology probe_topology(comm::Communicator& world, int ranks_per_node) {
  const int p = world.size(), r = world.rank();
  TERN_CHECK(ranks_per_node >= 1 && p % ranks_per_node == 0, "ranks per node (", ranks_per_node,
             ") must divide the world size (", p, ")");
  auto node = world.split(r / ranks_per_node, r);
  auto across = world.split(r % ranks_per_node, r);
  auto probe = [&](comm::Communicator& c) {
    ring_round_seconds(world, c, kSmallBytes, 4);  // warm-up: connections, page faults
    const double small = ring_round_seconds(world, c, kSmallBytes, kSmallRounds);
    const double large = ring_round_seconds(world, c, kLargeBytes, kLargeRounds);
    return std::make_pair(small, large);
  };
  const auto [intra_small, intra_large] = probe(*node);
  const auto [inter_small, inter_large] = probe(*across);
  netsim::Topology topo;
  topo.nodes = p / ranks_per_node;
  topo.devices_per_node = ranks_per_node;
  topo.intra = fit_link("probed-intra", intra_small, intra_large);
  topo.inter = topo.nodes > 1 ? fit_link("probed-inter", inter_small, inter_large) : topo.intra;
  topo.nics_per_node = ranks_per_node;  // the probe's beta already includes the sharing
  topo.reduce_bytes_per_s = summing_speed(world);
  return topo;
}

BlueConnectPlan to_plan(const netsim::BlueConnectSchedule& s) {
  BlueConnectPlan plan{s.factors, s.order, {}};
  for (netsim::StageAlgo a : s.algos)
    plan.stage_algos.push_back(a == netsim::StageAlgo::ring ? Algorithm::ring : Algorithm::halving_doubling);
  return plan;
}

BlueConnectPlan plan_from_model(const netsim::Topology& topo, int64_t bytes) {
  return to_plan(netsim::plan_blueconnect(topo, static_cast<double>(bytes)).schedule);
}

BlueConnectPlan plan_blueconnect_auto(comm::Communicator& world, int64_t bytes, int ranks_per_node) {
  if (ranks_per_node <= 0) ranks_per_node = default_ranks_per_node(world.size());
  return plan_from_model(probe_topology(world, ranks_per_node), bytes);
}

}  // namespace tern::distributed::collectives
