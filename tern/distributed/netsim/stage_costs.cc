#include "tern/distributed/netsim/stage_costs.h"

#include <numeric>

#include "tern/base/error.h"
#include "tern/distributed/netsim/rounds.h"

namespace tern::distributed::netsim {
namespace {

int group_size(const Groups& groups) { return groups.empty() ? 1 : static_cast<int>(groups.front().size()); }

StageCost start(const char* what, const char* algo, const Groups& groups, double bytes) {
  StageCost c;
  c.what = what;
  c.algo = algo;
  c.group_size = group_size(groups);
  c.groups = static_cast<int>(groups.size());
  c.fabric = "none";
  c.bytes = bytes;
  return c;
}

// Adds `times` identical rounds of `flows`.
void add_rounds(StageCost& c, const Topology& topo, const std::vector<Flow>& flows, double reduced, int times = 1) {
  if (flows.empty() || times == 0) return;
  c.seconds += times * round_seconds(topo, flows, reduced);
  c.rounds += times;
  const std::string f = fabric_of(topo, flows);
  c.fabric = c.fabric == "none" || c.fabric == f ? f : "mixed";
}

std::vector<Flow> ring_flows(const Groups& groups, double bytes_each) {
  std::vector<Flow> flows;
  for (const auto& g : groups)
    for (size_t j = 0; j < g.size(); ++j) flows.push_back({g[j], g[(j + 1) % g.size()], bytes_each});
  return flows;
}

// A ring is a pipeline, not a sequence of barriers: step s of a rank waits
// only for step s-1 of its left neighbour, and a link carries step s while
// the next hop handles step s-1. So each of its p-1 steps takes the longer of
//  - the mean hop (alpha + transfer) along the ring: a chain of steps goes
//    round it, through fast and slow edges alike (exact for a whole number
//    of turns, which an all-reduce's 2(p-1) steps nearly are);
//  - the slowest edge's transfer: that link must carry one message a step;
// whichever group is slowest. With equal edges both give alpha + transfer.
void add_ring_steps(StageCost& c, const Topology& topo, const Groups& groups, double bytes_each, double reduced) {
  const int p = c.group_size;
  const std::vector<Flow> flows = ring_flows(groups, bytes_each);
  const std::vector<FlowTime> times = flow_times(topo, flows);
  double step = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    double hop_sum = 0, slowest_transfer = 0;
    for (int j = 0; j < p; ++j) {
      hop_sum += times[g * p + j].alpha_s + times[g * p + j].transfer_s;
      slowest_transfer = std::max(slowest_transfer, times[g * p + j].transfer_s);
    }
    step = std::max(step, std::max(hop_sum / p, slowest_transfer));
  }
  const double summing = topo.reduce_bytes_per_s > 0 ? reduced / topo.reduce_bytes_per_s : 0;
  c.seconds += (p - 1) * (step + summing);
  c.rounds += p - 1;
  c.fabric = fabric_of(topo, flows);
}

// The fold of Tern's halving-doubling (collectives/allreduce_halving_doubling.h):
// members 2i and 2i+1 (i < rem) pair up; the rest map to virtual ranks.
struct Fold {
  int p, p2 = 1, rem;
  explicit Fold(int p_) : p(p_) {
    while (p2 * 2 <= p) p2 *= 2;
    rem = p - p2;
  }
  int real(int v) const { return v < rem ? 2 * v + 1 : v + rem; }
};

// fold: even -> odd partner; unfold: the reverse.
std::vector<Flow> fold_flows(const Groups& groups, const Fold& f, double bytes, bool unfold) {
  std::vector<Flow> flows;
  for (const auto& g : groups)
    for (int i = 0; i < f.rem; ++i)
      flows.push_back(unfold ? Flow{g[2 * i + 1], g[2 * i], bytes} : Flow{g[2 * i], g[2 * i + 1], bytes});
  return flows;
}

std::vector<Flow> exchange_flows(const Groups& groups, const Fold& f, int mask, double bytes) {
  std::vector<Flow> flows;
  for (const auto& g : groups)
    for (int v = 0; v < f.p2; ++v) flows.push_back({g[f.real(v)], g[f.real(v ^ mask)], bytes});
  return flows;
}

}  // namespace

const char* stage_algo_name(StageAlgo a) { return a == StageAlgo::ring ? "ring" : "hd"; }

StageAlgo parse_stage_algo(std::string_view s) {
  if (s == "ring") return StageAlgo::ring;
  if (s == "hd" || s == "halving-doubling") return StageAlgo::halving_doubling;
  TERN_FAIL("unknown stage algorithm '", s, "': expected ring or hd");
}

StageCost reduce_scatter_cost(const Topology& topo, const Groups& groups, double bytes, StageAlgo algo) {
  StageCost c = start("reduce-scatter", stage_algo_name(algo), groups, bytes);
  const int p = c.group_size;
  if (p == 1) return c;
  if (algo == StageAlgo::ring) {
    add_ring_steps(c, topo, groups, bytes / p, bytes / p);
    return c;
  }
  const Fold f(p);
  add_rounds(c, topo, fold_flows(groups, f, bytes, false), bytes);
  double range = bytes;  // the virtual ranks' ranges cover the buffer; each step sends half of one
  for (int mask = f.p2 / 2; mask >= 1; mask /= 2) {
    range /= 2;
    add_rounds(c, topo, exchange_flows(groups, f, mask, range), range);
  }
  add_rounds(c, topo, fold_flows(groups, f, bytes / p, true), 0);
  return c;
}

StageCost all_gather_cost(const Topology& topo, const Groups& groups, double bytes, StageAlgo algo) {
  StageCost c = start("all-gather", stage_algo_name(algo), groups, bytes);
  const int p = c.group_size;
  if (p == 1) return c;
  if (algo == StageAlgo::ring) {
    add_ring_steps(c, topo, groups, bytes / p, 0);
    return c;
  }
  const Fold f(p);
  add_rounds(c, topo, fold_flows(groups, f, bytes / p, false), 0);
  double range = bytes / f.p2;  // a virtual rank's range after the reduce-scatter
  for (int mask = 1; mask < f.p2; mask *= 2) {
    add_rounds(c, topo, exchange_flows(groups, f, mask, range), 0);
    range *= 2;
  }
  add_rounds(c, topo, fold_flows(groups, f, bytes, true), 0);
  return c;
}

StageCost tree_reduce_cost(const Topology& topo, const Groups& groups, double bytes) {
  StageCost c = start("reduce", "tree", groups, bytes);
  const int p = c.group_size;
  for (int mask = 1; mask < p; mask *= 2) {
    std::vector<Flow> flows;
    for (const auto& g : groups)
      for (int v = mask; v < p; v += 2 * mask) flows.push_back({g[v], g[v - mask], bytes});
    add_rounds(c, topo, flows, bytes);
  }
  return c;
}

StageCost tree_broadcast_cost(const Topology& topo, const Groups& groups, double bytes) {
  StageCost c = start("broadcast", "tree", groups, bytes);
  const int p = c.group_size;
  int top = 1;
  while (top < p) top *= 2;
  for (int mask = top / 2; mask >= 1; mask /= 2) {
    std::vector<Flow> flows;
    for (const auto& g : groups)
      for (int v = mask; v < p; v += 2 * mask) flows.push_back({g[v - mask], g[v], bytes});
    add_rounds(c, topo, flows, 0);
  }
  return c;
}

StageCost pair_exchange_cost(const Topology& topo, const Groups& groups, double bytes) {
  StageCost c = start("allreduce", "exchange", groups, bytes);
  TERN_CHECK(c.group_size == 2, "a pair exchange needs groups of 2, given ", c.group_size);
  std::vector<Flow> flows;
  for (const auto& g : groups) {
    flows.push_back({g[0], g[1], bytes});
    flows.push_back({g[1], g[0], bytes});
  }
  add_rounds(c, topo, flows, bytes);
  return c;
}

StageCost gather_cost(const Topology& topo, const Groups& groups, double bytes) {
  StageCost c = start("gather", "direct", groups, bytes);
  std::vector<Flow> flows;
  for (const auto& g : groups)
    for (size_t j = 1; j < g.size(); ++j) flows.push_back({g[j], g[0], bytes / g.size()});
  add_rounds(c, topo, flows, 0);
  return c;
}

StageCost scatter_cost(const Topology& topo, const Groups& groups, double bytes) {
  StageCost c = start("scatter", "direct", groups, bytes);
  std::vector<Flow> flows;
  for (const auto& g : groups)
    for (size_t j = 1; j < g.size(); ++j) flows.push_back({g[0], g[j], bytes / g.size()});
  add_rounds(c, topo, flows, 0);
  return c;
}

Groups coordinate_groups(const std::vector<int>& factors, int i) {
  const int p = std::accumulate(factors.begin(), factors.end(), 1, std::multiplies<>());
  int stride = 1;
  for (int j = 0; j < i; ++j) stride *= factors[j];
  Groups groups;
  for (int r = 0; r < p; ++r) {
    if ((r / stride) % factors[i] != 0) continue;  // r is its group's member 0
    std::vector<int> g;
    for (int c = 0; c < factors[i]; ++c) g.push_back(r + c * stride);
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace tern::distributed::netsim
