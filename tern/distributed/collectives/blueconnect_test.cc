// BlueConnect against an exact reference sum, run under mpirun (see the
// BlueConnect block in tern/distributed/CMakeLists.txt): every ordered
// factorisation of the world size, every stage order, several per-factor
// algorithm mixes, lengths that do and do not divide evenly.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <vector>

#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/comm/mpi_test_main.h"

namespace tern::distributed::collectives {
namespace {

using comm::testing::world;

// Rank q's input at element i: a small integer, so every sum is exact.
template <typename T>
T value(int q, int64_t i) {
  return static_cast<T>((i * 11 + q * 17) % 97 + q * 3);
}

template <typename T>
void expect_reference_sum(const BlueConnectPlan& plan, BlueConnect& bc, int64_t n) {
  comm::Communicator& c = world();
  std::vector<T> data(n);
  for (int64_t i = 0; i < n; ++i) data[i] = value<T>(c.rank(), i);
  bc.allreduce(std::span<T>(data));
  int64_t bad = 0, first_bad = -1;
  for (int64_t i = 0; i < n; ++i) {
    T want = 0;
    for (int q = 0; q < c.size(); ++q) want += value<T>(q, i);
    if (data[i] != want && bad++ == 0) first_bad = i;
  }
  EXPECT_EQ(bad, 0) << format_blueconnect_plan(plan) << " n=" << n << ": first wrong element " << first_bad;
}

// Every ordered factorisation of p into factors >= 2 ({p} itself included).
void ordered_factorisations(int p, std::vector<int>& prefix, std::vector<std::vector<int>>& out) {
  if (p == 1) {
    if (!prefix.empty()) out.push_back(prefix);
    return;
  }
  for (int f = 2; f <= p; ++f) {
    if (p % f) continue;
    prefix.push_back(f);
    ordered_factorisations(p / f, prefix, out);
    prefix.pop_back();
  }
}

std::vector<std::vector<int>> all_factorisations(int p) {
  std::vector<std::vector<int>> out;
  std::vector<int> prefix;
  if (p == 1) return {{1}};
  ordered_factorisations(p, prefix, out);
  return out;
}

TEST(BlueConnect, EveryFactorisationAndOrderEqualsReferenceSum) {
  const int p = world().size();
  const Algorithm kAlgos[] = {Algorithm::ring, Algorithm::halving_doubling, Algorithm::native};
  int plans = 0;
  for (const std::vector<int>& factors : all_factorisations(p)) {
    std::vector<int> order(factors.size());
    std::iota(order.begin(), order.end(), 0);
    do {
      // All ring, all hd, all native, and a mix (factor i gets kAlgos[i % 3]).
      for (int mix = 0; mix < 4; ++mix) {
        BlueConnectPlan plan{factors, order, {}};
        for (size_t i = 0; i < factors.size(); ++i) plan.stage_algos.push_back(kAlgos[mix < 3 ? mix : (i + 1) % 3]);
        BlueConnect bc(world(), plan);
        for (int64_t n : {0, 1, 7, 1001}) expect_reference_sum<float>(plan, bc, n);
        if (mix == 3) expect_reference_sum<double>(plan, bc, 13);
        ++plans;
      }
    } while (std::next_permutation(order.begin(), order.end()));
  }
  EXPECT_GT(plans, 0);
}

TEST(BlueConnect, ReusedAcrossStepsAndLargeBuffer) {
  BlueConnectPlan plan = parse_blueconnect_plan(world().size() % 2 == 0 ? "2x" + std::to_string(world().size() / 2)
                                                                        : std::to_string(world().size()),
                                                world().size());
  BlueConnect bc(world(), plan);
  for (int step = 0; step < 2; ++step) expect_reference_sum<float>(plan, bc, (1 << 18) + 3);  // > one 1 MiB ring segment
}

TEST(BlueConnect, StageCommunicatorsHoldRanksDifferingInOneCoordinate) {
  const int p = world().size();
  for (const std::vector<int>& factors : all_factorisations(p)) {
    BlueConnectPlan plan{factors, {}, std::vector<Algorithm>(factors.size(), Algorithm::ring)};
    plan.order.resize(factors.size());
    std::iota(plan.order.begin(), plan.order.end(), 0);
    BlueConnect bc(world(), plan);
    const std::vector<int> mine = blueconnect_coordinates(world().rank(), factors);
    for (size_t i = 0; i < factors.size(); ++i) {
      EXPECT_EQ(bc.stage_comm(static_cast<int>(i)).size(), factors[i]);
      EXPECT_EQ(bc.stage_comm(static_cast<int>(i)).rank(), mine[i]);
    }
  }
}

TEST(BlueConnectPlanText, ParsesFactorsAndRejectsBadOnes) {
  const BlueConnectPlan plan = parse_blueconnect_plan("2x4", 8);
  EXPECT_EQ(plan.factors, (std::vector<int>{2, 4}));
  EXPECT_EQ(plan.order, (std::vector<int>{0, 1}));
  EXPECT_EQ(plan.stage_algos.size(), 2u);
  EXPECT_EQ(format_blueconnect_plan(plan), "2x4 order=0,1 algos=ring,ring");
  EXPECT_THROW(parse_blueconnect_plan("2x3", 8), ValueError);
  EXPECT_THROW(parse_blueconnect_plan("2xx4", 8), ValueError);
  EXPECT_THROW(parse_blueconnect_plan("0x8", 8), ValueError);
  EXPECT_THROW(parse_blueconnect_plan("auto", 8), ValueError);
  try {
    parse_blueconnect_plan("2x3", 8);
  } catch (const ValueError& e) {
    EXPECT_EQ(std::string(e.what()), "BlueConnect factors '2x3' multiply to 6 but the world has 8 ranks");
  }
  BlueConnectPlan bad = plan;
  bad.order = {1, 1};
  EXPECT_THROW(validate_blueconnect_plan(bad, 8), ValueError);
  bad = plan;
  bad.stage_algos.pop_back();
  EXPECT_THROW(validate_blueconnect_plan(bad, 8), ValueError);
  EXPECT_EQ(parse_stage_order("1,0"), (std::vector<int>{1, 0}));
  EXPECT_EQ(parse_stage_algorithms("ring,hd,mpi"),
            (std::vector<Algorithm>{Algorithm::ring, Algorithm::halving_doubling, Algorithm::native}));
}

TEST(BlueConnectPlanText, CoordinatesAreMixedRadixFirstFactorFastest) {
  EXPECT_EQ(blueconnect_coordinates(0, {2, 3}), (std::vector<int>{0, 0}));
  EXPECT_EQ(blueconnect_coordinates(5, {2, 3}), (std::vector<int>{1, 2}));
  EXPECT_EQ(blueconnect_coordinates(4, {2, 3}), (std::vector<int>{0, 2}));
  EXPECT_EQ(blueconnect_coordinates(3, {3, 2}), (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace tern::distributed::collectives
