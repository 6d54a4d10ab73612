#include "tern/distributed/netsim/planner.h"

#include <algorithm>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

#include "tern/base/error.h"
#include "tern/base/parse.h"

namespace tern::distributed::netsim {
namespace {

void extend(int p, int max_factors, std::vector<int>& prefix, std::vector<std::vector<int>>& out) {
  if (p == 1) {
    out.push_back(prefix);
    return;
  }
  if (static_cast<int>(prefix.size()) == max_factors) return;
  for (int f = 2; f <= p; ++f) {
    if (p % f) continue;
    prefix.push_back(f);
    extend(p / f, max_factors, prefix, out);
    prefix.pop_back();
  }
}

// Stage costs keyed by what they depend on: the factor's stride and size
// (which fix its groups), the range and the algorithm.
class StageCache {
 public:
  explicit StageCache(const Topology& topo) : topo_(topo) {}

  // Reduce-scatter plus all-gather of factor i of `factors` on `bytes`, or
  // the fused exchange when it is the innermost stage and a factor of 2
  // (as blueconnect_cost and the collective do).
  double pair_seconds(const std::vector<int>& factors, int i, double bytes, StageAlgo algo, bool innermost) {
    int stride = 1;
    for (int j = 0; j < i; ++j) stride *= factors[j];
    const bool exchange = innermost && factors[i] == 2;
    const auto key = std::make_tuple(stride, factors[i], bytes, algo, exchange);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    const Groups g = coordinate_groups(factors, i);
    const double s = exchange ? pair_exchange_cost(topo_, g, bytes).seconds
                              : reduce_scatter_cost(topo_, g, bytes, algo).seconds +
                                    all_gather_cost(topo_, g, bytes, algo).seconds;
    return cache_[key] = s;
  }

 private:
  const Topology& topo_;
  std::map<std::tuple<int, int, double, StageAlgo, bool>, double> cache_;
};

}  // namespace

std::vector<std::vector<int>> ordered_factorisations(int p, int max_factors) {
  TERN_CHECK(p >= 1 && max_factors >= 1, "ordered_factorisations needs p >= 1 and max_factors >= 1, given ", p,
             " and ", max_factors);
  if (p == 1) return {{1}};
  std::vector<std::vector<int>> out;
  std::vector<int> prefix;
  extend(p, max_factors, prefix, out);
  return out;
}

PlannedSchedule plan_blueconnect(const Topology& topo, double bytes, const PlannerOptions& options) {
  validate(topo);
  TERN_CHECK(bytes >= 0, "message size must be >= 0 bytes, given ", bytes);
  TERN_CHECK(!options.algos.empty(), "the planner needs at least one stage algorithm");
  StageCache cache(topo);
  PlannedSchedule best;
  double best_seconds = std::numeric_limits<double>::infinity();
  for (const std::vector<int>& factors : ordered_factorisations(topo.size(), options.max_factors)) {
    std::vector<int> order(factors.size());
    std::iota(order.begin(), order.end(), 0);
    do {
      ++best.candidates;
      BlueConnectSchedule s{factors, order, std::vector<StageAlgo>(factors.size(), options.algos.front())};
      double seconds = 0, range = bytes;
      for (size_t pos = 0; pos < order.size(); ++pos) {
        const int f = order[pos];
        double fastest = std::numeric_limits<double>::infinity();
        for (StageAlgo a : options.algos) {
          const double t = cache.pair_seconds(factors, f, range, a, pos + 1 == order.size());
          if (t < fastest) {
            fastest = t;
            s.algos[f] = a;
          }
        }
        seconds += fastest;
        range /= factors[f];
      }
      if (seconds < best_seconds) {
        best_seconds = seconds;
        best.schedule = s;
      }
    } while (std::next_permutation(order.begin(), order.end()));
  }
  best.cost = blueconnect_cost(topo, bytes, best.schedule);
  return best;
}

ScheduleComparison compare_allreduce_schedules(const Topology& topo, double n, const std::string& names) {
  TERN_CHECK(n >= 0, "all-reduce size must be >= 0 bytes, given ", n);
  ScheduleComparison c;
  for (const std::string& a : split(names, ',')) {
    if (a == "ring") c.results.push_back(ring_allreduce_cost(topo, n));
    else if (a == "hd") c.results.push_back(hd_allreduce_cost(topo, n));
    else if (a == "tree") c.results.push_back(tree_allreduce_cost(topo, n));
    else if (a == "hierarchical") c.results.push_back(hierarchical_allreduce_cost(topo, n));
    else if (a == "hierarchical-sharded") c.results.push_back(sharded_hierarchical_allreduce_cost(topo, n));
    else if (a == "blueconnect") {
      c.plan = plan_blueconnect(topo, n);
      c.results.push_back(c.plan->cost);
    } else {
      TERN_FAIL("unknown --algo ", quote(a),
                ": expected a list of ring, hd, tree, hierarchical, hierarchical-sharded, blueconnect");
    }
  }
  return c;
}

}  // namespace tern::distributed::netsim
