#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tern/base/error.h"
#include "tern/distributed/netsim/data_parallel.h"
#include "tern/distributed/netsim/link.h"
#include "tern/distributed/netsim/planner.h"
#include "tern/distributed/netsim/rounds.h"
#include "tern/distributed/netsim/schedules.h"

namespace tern::distributed::netsim {
namespace {

Link link(double alpha_us, double gbyte, bool shared = false) { return Link{"test", alpha_us * 1e-6, gbyte * 1e9, shared}; }

Topology paper_cluster() { return parse_topology("48x4", parse_link("nvlink"), parse_link("ib-100g")); }

TEST(Link, PresetsAndCustomLinks) {
  const Link ib = parse_link("ib-100g");
  EXPECT_EQ(ib.name, "ib-100g");
  EXPECT_GT(ib.bytes_per_s, 1e10);
  const Link custom = parse_link("alpha_us=50,gbit=8,shared");
  EXPECT_DOUBLE_EQ(custom.alpha_s, 50e-6);
  EXPECT_DOUBLE_EQ(custom.bytes_per_s, 1e9);
  EXPECT_TRUE(custom.shared);
  EXPECT_DOUBLE_EQ(custom.seconds(1e9), 1 + 50e-6);
  for (const std::string& name : link_preset_names()) EXPECT_EQ(parse_link(name).name, name);
  EXPECT_THROW(parse_link("warp-drive"), ValueError);
  EXPECT_THROW(parse_link("alpha_us=5"), ValueError);
  EXPECT_THROW(parse_link("alpha_us=x,gbit=1"), ValueError);
}

TEST(Topology, ParsesNodesByDevices) {
  const Topology t = paper_cluster();
  EXPECT_EQ(t.size(), 192);
  EXPECT_EQ(t.node_of(7), 1);
  EXPECT_THROW(parse_topology("48", t.intra, t.inter), ValueError);
  EXPECT_THROW(parse_topology("0x4", t.intra, t.inter), ValueError);
  EXPECT_THROW(parse_topology("4xa", t.intra, t.inter), ValueError);
}

TEST(Rounds, NicIsSharedByANodesInterNodeFlows) {
  Topology t = parse_topology("2x2", link(1, 100), link(10, 1));
  // One flow across: alpha + bytes / beta.
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 2, 1e6}}), 10e-6 + 1e-3);
  // Both devices of node 0 send across: they share the NIC.
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 2, 1e6}, {1, 3, 1e6}}), 10e-6 + 2e-3);
  t.nics_per_node = 2;
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 2, 1e6}, {1, 3, 1e6}}), 10e-6 + 1e-3);
  // Intra flows on a per-device fabric do not contend; on a shared one they do.
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 1, 1e6}, {1, 0, 1e6}}), 1e-6 + 1e-5);
  t.intra.shared = true;
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 1, 1e6}, {1, 0, 1e6}}), 1e-6 + 2e-5);
}

TEST(Rounds, OversubscribedUplinkSlowsFlowsBetweenLeaves) {
  Topology t = parse_topology("4x1", link(1, 100), link(0, 1));
  t.nodes_per_switch = 2;
  t.oversubscription = 4;
  // Two flows from leaf 0 to leaf 1 share an uplink of 2 * 1 / 4 GB/s.
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 2, 1e6}, {1, 3, 1e6}}), 4e-3);
  // Inside a leaf the flows run at NIC speed.
  EXPECT_DOUBLE_EQ(round_seconds(t, {{0, 1, 1e6}, {2, 3, 1e6}}), 1e-3);
}

TEST(Schedules, RingAndHalvingDoublingMatchTheTextbookFormulas) {
  // One node with a per-device fabric: no contention, so the closed forms hold.
  const double a = 2e-6, b = 10e9, n = 64e6;
  for (int p : {2, 4, 8, 16}) {
    const Topology t = parse_topology("1x" + std::to_string(p), link(2, 10), link(2, 10));
    EXPECT_NEAR(ring_allreduce_cost(t, n).seconds, 2 * (p - 1) * (a + n / p / b), 1e-12) << p;
    EXPECT_NEAR(hd_allreduce_cost(t, n).seconds, 2 * std::log2(p) * a + 2.0 * (p - 1) / p * n / b, 1e-12) << p;
    EXPECT_NEAR(tree_allreduce_cost(t, n).seconds, 2 * std::log2(p) * (a + n / b), 1e-12) << p;
  }
  // Not a power of two: fold and unfold add a full-size and a block-size round.
  const Topology six = parse_topology("1x6", link(2, 10), link(2, 10));
  const CostBreakdown hd6 = hd_allreduce_cost(six, n);
  EXPECT_EQ(hd6.stages[0].rounds, 4);
  EXPECT_EQ(hd6.stages[1].rounds, 4);
}

// 2 nodes x 2 devices: the ring alternates intra and inter edges, and a
// chain of steps goes through both, while each link carries one message a
// step; a step is the longer of the mean hop and the slowest transfer.
TEST(Schedules, RingStepIsTheMeanHopOrTheSlowestTransfer) {
  const double n = 4e6, chunk = n / 4;
  // Latency-bound: 100 us across, 1 us inside, fast links.
  const Topology slow_alpha = parse_topology("2x2", link(1, 100), link(100, 100));
  const double hop = ((1e-6 + chunk / 100e9) + (100e-6 + chunk / 100e9)) / 2;
  EXPECT_NEAR(ring_allreduce_cost(slow_alpha, n).seconds, 6 * hop, 1e-12);
  // Bandwidth-bound: 1 GB/s across (1 ms per chunk) hides the alphas.
  const Topology slow_wire = parse_topology("2x2", link(1, 100), link(100, 1));
  EXPECT_NEAR(ring_allreduce_cost(slow_wire, n).seconds, 6 * chunk / 1e9, 1e-12);
}

TEST(Schedules, BlueConnectWithOneFactorIsTheFlatAlgorithm) {
  const Topology t = paper_cluster();
  for (double n : {1e3, 1e8}) {
    EXPECT_DOUBLE_EQ(blueconnect_cost(t, n, {{192}, {0}, {StageAlgo::ring}}).seconds, ring_allreduce_cost(t, n).seconds);
    EXPECT_DOUBLE_EQ(blueconnect_cost(t, n, {{192}, {0}, {StageAlgo::halving_doubling}}).seconds,
                     hd_allreduce_cost(t, n).seconds);
  }
  EXPECT_THROW(blueconnect_cost(t, 1e3, {{2, 4}, {0, 1}, {StageAlgo::ring, StageAlgo::ring}}), ValueError);
  EXPECT_THROW(blueconnect_cost(t, 1e3, {{4, 48}, {0, 0}, {StageAlgo::ring, StageAlgo::ring}}), ValueError);
}

TEST(Schedules, BlueConnectBreakdownHasReduceScattersThenAllGathersInReverse) {
  const Topology t = paper_cluster();
  const CostBreakdown b =
      blueconnect_cost(t, 1e8, {{4, 48}, {0, 1}, {StageAlgo::ring, StageAlgo::halving_doubling}});
  ASSERT_EQ(b.stages.size(), 4u);
  EXPECT_EQ(b.stages[0].what, "reduce-scatter");
  EXPECT_EQ(b.stages[0].fabric, "intra");
  EXPECT_EQ(b.stages[1].fabric, "inter");
  EXPECT_EQ(b.stages[1].algo, "hd");
  EXPECT_DOUBLE_EQ(b.stages[1].bytes, 1e8 / 4);
  EXPECT_EQ(b.stages[2].what, "all-gather");
  EXPECT_EQ(b.stages[2].fabric, "inter");
  EXPECT_EQ(b.stages[3].fabric, "intra");
  double sum = 0;
  for (const StageCost& s : b.stages) sum += s.seconds;
  EXPECT_DOUBLE_EQ(sum, b.seconds);
  // Inter-node first moves the whole buffer over the NIC four times over.
  const CostBreakdown inter_first =
      blueconnect_cost(t, 1e8, {{4, 48}, {1, 0}, {StageAlgo::ring, StageAlgo::halving_doubling}});
  EXPECT_GT(inter_first.seconds, 2 * b.seconds);
}

TEST(Schedules, InnermostFactorOfTwoIsOneExchange) {
  const Topology t = parse_topology("2x2", link(5, 10), link(50, 1));
  const CostBreakdown b = blueconnect_cost(t, 4096, {{2, 2}, {0, 1}, {StageAlgo::ring, StageAlgo::ring}});
  ASSERT_EQ(b.stages.size(), 3u);
  EXPECT_EQ(b.stages[1].what, "allreduce");
  EXPECT_EQ(b.stages[1].fabric, "inter");
  EXPECT_EQ(b.stages[1].rounds, 1);
  // The half each rank kept, both ways at once; both devices share the NIC.
  EXPECT_DOUBLE_EQ(b.stages[1].seconds, 50e-6 + 2 * 2048 / 1e9);
  // The planner knows it: intra stage first, the slow pair exchange innermost.
  const PlannedSchedule plan = plan_blueconnect(t, 4096);
  EXPECT_EQ(plan.schedule.factors, (std::vector<int>{2, 2}));
  EXPECT_EQ(plan.schedule.order, (std::vector<int>{0, 1}));
  EXPECT_LT(plan.cost.seconds, ring_allreduce_cost(t, 4096).seconds / 1.5);
}

TEST(Planner, EnumeratesOrderedFactorisations) {
  EXPECT_EQ(ordered_factorisations(8, 4).size(), 4u);  // 8, 2x4, 4x2, 2x2x2
  EXPECT_EQ(ordered_factorisations(8, 2).size(), 3u);
  EXPECT_EQ(ordered_factorisations(1, 4), (std::vector<std::vector<int>>{{1}}));
  EXPECT_EQ(ordered_factorisations(7, 4), (std::vector<std::vector<int>>{{7}}));
}

// The sweep of README.md: 1 KB .. 256 MB on the paper's cluster.
TEST(Planner, PlannedBlueConnectIsNeverSlowerThanRingTreeOrHierarchical) {
  const Topology t = paper_cluster();
  int latency_bound = 0;
  for (double n = 1024; n <= 256.0 * 1024 * 1024; n *= 2) {
    const PlannedSchedule plan = plan_blueconnect(t, n);
    const double ring = ring_allreduce_cost(t, n).seconds;
    const double best_other = std::min({ring, tree_allreduce_cost(t, n).seconds, hd_allreduce_cost(t, n).seconds,
                                        hierarchical_allreduce_cost(t, n, StageAlgo::ring).seconds,
                                        hierarchical_allreduce_cost(t, n, StageAlgo::halving_doubling).seconds,
                                        sharded_hierarchical_allreduce_cost(t, n).seconds});
    EXPECT_LE(plan.cost.seconds, best_other * (1 + 1e-12)) << n << " bytes: " << plan.schedule.describe();
    // Latency-bound: latency makes at least 90% of the ring's time, i.e.
    // the ring on the same links with alpha = 0 takes at most a tenth of it
    // (README.md reports the whole sweep, including the sizes in between).
    Topology no_alpha = t;
    no_alpha.intra.alpha_s = no_alpha.inter.alpha_s = 0;
    if (ring_allreduce_cost(no_alpha, n).seconds <= 0.1 * ring) {
      ++latency_bound;
      EXPECT_GE(ring / plan.cost.seconds, 3.0) << n << " bytes: " << plan.schedule.describe();
    }
  }
  EXPECT_GE(latency_bound, 5);  // the sweep does reach the latency-bound regime
}

// Choosing each factor's algorithm on its own must give the best of all
// algorithm combinations: brute force on a small cluster.
TEST(Planner, MatchesBruteForceOverAllSchedules) {
  Topology t = parse_topology("4x4", parse_link("pcie"), parse_link("eth-10g"));
  for (double n : {1e3, 1e5, 1e7}) {
    const PlannedSchedule plan = plan_blueconnect(t, n);
    EXPECT_DOUBLE_EQ(plan.cost.seconds, blueconnect_cost(t, n, plan.schedule).seconds);
    double best = 1e300;
    for (const auto& factors : ordered_factorisations(16, 4)) {
      std::vector<int> order(factors.size());
      std::iota(order.begin(), order.end(), 0);
      do {
        for (int mask = 0; mask < (1 << factors.size()); ++mask) {
          BlueConnectSchedule s{factors, order, {}};
          for (size_t i = 0; i < factors.size(); ++i)
            s.algos.push_back(mask >> i & 1 ? StageAlgo::halving_doubling : StageAlgo::ring);
          best = std::min(best, blueconnect_cost(t, n, s).seconds);
        }
      } while (std::next_permutation(order.begin(), order.end()));
    }
    EXPECT_DOUBLE_EQ(plan.cost.seconds, best) << n;
  }
}

TEST(Overlap, BucketsStartWhenReadyAndQueueOnOneStream) {
  // Three layers in backward order: 1 s each, 10 bytes of gradient each.
  const std::vector<BackwardLayer> layers = {{"c", 1, 10}, {"b", 1, 10}, {"a", 1, 10}};
  // Buckets of >= 20 bytes: {c, b} ready at 2 s, {a} at 3 s; 1.5 s per all-reduce.
  const IterationTimeline t = simulate_overlapped_backward(layers, 20, [](double) { return 1.5; });
  ASSERT_EQ(t.buckets.size(), 2u);
  EXPECT_DOUBLE_EQ(t.buckets[0].start_s, 2);
  EXPECT_DOUBLE_EQ(t.buckets[1].start_s, 3.5);  // waits for the first
  EXPECT_DOUBLE_EQ(t.backward_s, 3);
  EXPECT_DOUBLE_EQ(t.comm_s, 3);
  EXPECT_DOUBLE_EQ(t.exposed_s, 2);
  EXPECT_THROW(simulate_overlapped_backward(layers, 0, [](double) { return 1.0; }), ValueError);
}

TEST(Overlap, BackwardPassIsReversedAndScaledByBatchAndSpeed) {
  const std::vector<BackwardLayer> b = backward_pass({{"first", 1e9, 10}, {"last", 2e9, 20}}, 4, 8e9);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].name, "last");
  EXPECT_DOUBLE_EQ(b[0].seconds, 2.0 * 2e9 * 4 / 8e9);
  EXPECT_DOUBLE_EQ(b[0].grad_bytes, 80);
  EXPECT_THROW(backward_pass({}, 0, 1e9), ValueError);
}

}  // namespace
}  // namespace tern::distributed::netsim
