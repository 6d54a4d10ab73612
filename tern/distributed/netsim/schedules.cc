#include "tern/distributed/netsim/schedules.h"

#include <algorithm>
#include <numeric>

#include "tern/base/error.h"

namespace tern::distributed::netsim {
namespace {

Groups everyone(const Topology& topo) {
  std::vector<int> all(topo.size());
  std::iota(all.begin(), all.end(), 0);
  return {all};
}

CostBreakdown total(std::string name, std::vector<StageCost> stages) {
  CostBreakdown b{std::move(name), std::move(stages), 0};
  for (const StageCost& s : b.stages) b.seconds += s.seconds;
  return b;
}

std::string join(const std::vector<int>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

std::string BlueConnectSchedule::describe() const {
  std::string a;
  for (size_t i = 0; i < algos.size(); ++i) {
    if (i) a += ",";
    a += stage_algo_name(algos[i]);
  }
  return join(factors, "x") + " order=" + join(order, ",") + " algos=" + a;
}

CostBreakdown ring_allreduce_cost(const Topology& topo, double bytes) {
  const Groups g = everyone(topo);
  return total("ring", {reduce_scatter_cost(topo, g, bytes, StageAlgo::ring),
                        all_gather_cost(topo, g, bytes, StageAlgo::ring)});
}

CostBreakdown hd_allreduce_cost(const Topology& topo, double bytes) {
  const Groups g = everyone(topo);
  return total("hd", {reduce_scatter_cost(topo, g, bytes, StageAlgo::halving_doubling),
                      all_gather_cost(topo, g, bytes, StageAlgo::halving_doubling)});
}

CostBreakdown tree_allreduce_cost(const Topology& topo, double bytes) {
  const Groups g = everyone(topo);
  return total("tree", {tree_reduce_cost(topo, g, bytes), tree_broadcast_cost(topo, g, bytes)});
}

CostBreakdown hierarchical_allreduce_cost(const Topology& topo, double bytes, StageAlgo leaders) {
  const int d = topo.devices_per_node;
  Groups nodes, heads(1);
  for (int n = 0; n < topo.nodes; ++n) {
    std::vector<int> g(d);
    std::iota(g.begin(), g.end(), n * d);
    nodes.push_back(g);
    heads[0].push_back(n * d);
  }
  return total(std::string("hierarchical (leaders ") + stage_algo_name(leaders) + ")",
               {reduce_scatter_cost(topo, nodes, bytes, StageAlgo::ring), gather_cost(topo, nodes, bytes),
                reduce_scatter_cost(topo, heads, bytes, leaders), all_gather_cost(topo, heads, bytes, leaders),
                scatter_cost(topo, nodes, bytes), all_gather_cost(topo, nodes, bytes, StageAlgo::ring)});
}

CostBreakdown sharded_hierarchical_allreduce_cost(const Topology& topo, double bytes) {
  BlueConnectSchedule s;
  for (int f : {topo.devices_per_node, topo.nodes})
    if (f > 1) s.factors.push_back(f);
  if (s.factors.empty()) s.factors.push_back(1);
  for (size_t i = 0; i < s.factors.size(); ++i) {
    s.order.push_back(static_cast<int>(i));
    s.algos.push_back(StageAlgo::ring);
  }
  CostBreakdown b = blueconnect_cost(topo, bytes, s);
  b.schedule = "hierarchical-sharded (" + s.describe() + ")";
  return b;
}

CostBreakdown blueconnect_cost(const Topology& topo, double bytes, const BlueConnectSchedule& s) {
  const int64_t product = std::accumulate(s.factors.begin(), s.factors.end(), int64_t{1}, std::multiplies<>());
  TERN_CHECK(!s.factors.empty() && product == topo.size(), "BlueConnect factors ", join(s.factors, "x"),
             " multiply to ", product, " but the topology has ", topo.size(), " ranks");
  std::vector<int> sorted = s.order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int> want(s.factors.size());
  std::iota(want.begin(), want.end(), 0);
  TERN_CHECK(sorted == want && s.algos.size() == s.factors.size(), "BlueConnect schedule ", s.describe(),
             ": the order must be a permutation of the factors and there must be one algorithm per factor");
  std::vector<StageCost> reduce, gather;
  double range = bytes;
  for (size_t t = 0; t < s.order.size(); ++t) {
    const int f = s.order[t];
    const Groups g = coordinate_groups(s.factors, f);
    if (t + 1 == s.order.size() && s.factors[f] == 2) {
      reduce.push_back(pair_exchange_cost(topo, g, range));  // the fused innermost stage
      break;
    }
    reduce.push_back(reduce_scatter_cost(topo, g, range, s.algos[f]));
    gather.push_back(all_gather_cost(topo, g, range, s.algos[f]));
    range /= s.factors[f];
  }
  std::vector<StageCost> stages = reduce;
  stages.insert(stages.end(), gather.rbegin(), gather.rend());
  return total("blueconnect " + s.describe(), stages);
}

}  // namespace tern::distributed::netsim
