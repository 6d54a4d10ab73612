// Link emulation under mpirun -np 4 (groups=2x2): messages between groups
// arrive no earlier than the configured delay (counted after the transfer), messages inside a group are
// untouched, and collectives (BlueConnect included) still sum exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/collectives/blueconnect_auto.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/link_emulation.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/comm/mpi_test_main.h"

namespace tern::distributed::collectives {
namespace {

using comm::testing::world;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

constexpr double kDelay = 0.05;  // large against scheduling noise on 2 shared cores (4 ms was not)

std::unique_ptr<comm::Communicator> emulated() {
  return emulate_links(world().split(0, world().rank()),
                       comm::parse_link_emulation("groups=2x2,inter_delay_us=50000", world().size()));
}

// One-way time of a message from `from` to `to`: the receiver learns the
// send time from the sender (same host, same steady clock).
double one_way_seconds(comm::Communicator& c, int from, int to) {
  double t = 0;
  if (c.rank() == from) {
    t = now_s();
    c.send(std::span<const double>(&t, 1), to, 5);
  } else if (c.rank() == to) {
    c.recv(std::span<double>(&t, 1), from, 5);
    t = now_s() - t;
  }
  c.barrier();
  return t;
}

TEST(LinkEmulation, DelaysOnlyMessagesBetweenGroups) {
  if (world().size() != 4) GTEST_SKIP() << "needs 4 ranks";
  auto c = emulated();
  const double across = one_way_seconds(*c, 1, 2), inside = one_way_seconds(*c, 2, 3);
  if (c->rank() == 2) {
    EXPECT_GE(across, kDelay);
  }
  if (c->rank() == 3) {
    EXPECT_LT(inside, kDelay);
  }
  // Split communicators keep the world's groups: ranks 0 and 2 (groups 0, 1).
  auto pair = c->split(c->rank() % 2, c->rank());
  const double split_across = one_way_seconds(*pair, 0, 1);
  if (c->rank() == 2) {
    EXPECT_GE(split_across, kDelay);
  }
}

// Receiver's time from the send to the end of a watched transfer of `n`
// floats from `from` to `to` (the receiver waits before the data is sent).
double watched_transfer_seconds(comm::Communicator& c, int from, int to, size_t n) {
  std::vector<float> big(n);
  double sent = 0, done = 0;
  c.barrier();
  if (c.rank() == from) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the receiver is waiting by now
    sent = now_s();
    c.send(std::span<const float>(big), to, 6);
    c.send(std::span<const double>(&sent, 1), to, 7);
  } else if (c.rank() == to) {
    c.recv(std::span<float>(big), from, 6);
    done = now_s();
    c.recv(std::span<double>(&sent, 1), from, 7);
  }
  c.barrier();
  return done - sent;
}

// The delay follows the host's transfer instead of overlapping it, as a
// real link's propagation delay follows serialisation (netsim charges
// alpha + n/beta): a 64 MB message takes its copy time plus the delay.
TEST(LinkEmulation, DelayFollowsTheTransfer) {
  if (world().size() != 4) GTEST_SKIP() << "needs 4 ranks";
  auto c = emulated();
  constexpr size_t kFloats = size_t{16} << 20;
  watched_transfer_seconds(*c, 3, 2, kFloats);  // warm-up: the first large transfer maps MPI's buffers
  watched_transfer_seconds(*c, 1, 2, kFloats);
  // Inside a group: the host's copy alone; the fastest of three, since a
  // loaded host can only make a copy slower.
  double copy = 1e9;
  for (int i = 0; i < 3; ++i) copy = std::min(copy, watched_transfer_seconds(*c, 3, 2, kFloats));
  const double across = watched_transfer_seconds(*c, 1, 2, kFloats);
  double copy_on_2 = copy;  // rank 2 measured it; every rank decides alike
  broadcast(*c, std::span<double>(&copy_on_2, 1), 2);
  // A host so loaded that copying 64 MB takes longer than half the delay
  // cannot tell max(delay, copy) from delay + copy reliably.
  if (copy_on_2 > kDelay / 2) GTEST_SKIP() << "host too loaded: copying 64 MB took " << copy_on_2 << " s";
  if (c->rank() == 2) {
    // comm::Half the copy time is margin; overlapping the two would give
    // max(delay, copy) instead.
    EXPECT_GE(across, kDelay + 0.5 * copy) << "copy alone took " << copy << " s";
  }
}

TEST(LinkEmulation, CollectivesStayExact) {
  if (world().size() != 4) GTEST_SKIP() << "needs 4 ranks";
  auto c = emulated();
  for (Algorithm a : {Algorithm::ring, Algorithm::halving_doubling}) {
    std::vector<float> data(1003);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i % 9 + c->rank());
    allreduce(*c, std::span<float>(data), a);
    for (size_t i = 0; i < data.size(); ++i) ASSERT_EQ(data[i], 4 * (i % 9) + 6.0f) << i;
  }
  BlueConnectPlan plan = parse_blueconnect_plan("2x2", 4);
  plan.order = {1, 0};
  BlueConnect bc(*c, plan);
  std::vector<double> data(9, c->rank() + 1.0);
  bc.allreduce(std::span<double>(data));
  for (double x : data) EXPECT_EQ(x, 10.0);
  // MPI's own collectives would bypass the emulated links.
  EXPECT_THROW(allreduce(*c, std::span<double>(data), Algorithm::native), NotImplementedError);
}

// `--factors auto` on emulated links: the probe sees the slow links between
// the groups and the planner keeps them for the innermost exchange.
TEST(LinkEmulation, AutoPlanPutsTheSlowLinksInTheInnermostStage) {
  if (world().size() != 4) GTEST_SKIP() << "needs 4 ranks";
  auto c = emulate_links(world().split(0, world().rank()),
                         comm::parse_link_emulation("groups=2x2,inter_delay_us=5000", world().size()));
  const netsim::Topology topo = probe_topology(*c, 2);
  // 5 ms, far above what a loaded host adds inside a group (1.5 ms seen
  // with 1 ms and a 0.9 ms bound, which could fail there).
  EXPECT_GT(topo.inter.alpha_s, 0.0045);
  EXPECT_LT(topo.intra.alpha_s, 0.0045);
  const BlueConnectPlan plan = plan_from_model(topo, 4096);
  EXPECT_EQ(plan.factors, (std::vector<int>{2, 2})) << format_blueconnect_plan(plan);
  EXPECT_EQ(plan.order, (std::vector<int>{0, 1})) << format_blueconnect_plan(plan);
}

TEST(LinkEmulation, ParsesItsConfiguration) {
  const comm::LinkEmulation e = comm::parse_link_emulation("groups=2x3,inter_delay_us=50,inter_gbit=8", 6);
  EXPECT_EQ(e.groups, 2);
  EXPECT_EQ(e.group_size, 3);
  EXPECT_DOUBLE_EQ(e.inter_delay_s, 50e-6);
  EXPECT_DOUBLE_EQ(e.inter_bytes_per_s, 1e9);
  EXPECT_THROW(comm::parse_link_emulation("groups=2x2", 6), ValueError);
  EXPECT_THROW(comm::parse_link_emulation("inter_delay_us=5", 4), ValueError);
  EXPECT_THROW(comm::parse_link_emulation("groups=2x2,delay=5", 4), ValueError);
  EXPECT_THROW(comm::parse_link_emulation("groups=2x2,inter_delay_us=-1", 4), ValueError);
}

}  // namespace
}  // namespace tern::distributed::collectives
