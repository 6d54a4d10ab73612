// Communicator over MPI: run under mpirun with 1..8 ranks (see CMakeLists).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/comm/mpi_test_main.h"

namespace tern::distributed::comm {
namespace {

using testing::world;

TEST(Comm, RankAndSizeAreConsistentAcrossTheJob) {
  Communicator& c = world();
  ASSERT_GE(c.size(), 1);
  ASSERT_GE(c.rank(), 0);
  ASSERT_LT(c.rank(), c.size());
  EXPECT_EQ(c.backend(), "mpi");
  // Everyone sends its rank around the ring: each rank receives left's rank.
  const int right = (c.rank() + 1) % c.size(), left = (c.rank() + c.size() - 1) % c.size();
  std::vector<float> out{static_cast<float>(c.rank())}, in{-1.0f};
  auto r = c.irecv(std::span<float>(in), left, 3);
  auto s = c.isend(std::span<const float>(out), right, 3);
  r->wait();
  s->wait();
  EXPECT_EQ(in[0], static_cast<float>(left));
  EXPECT_TRUE(r->test());
  r->wait();  // a second wait is a no-op
}

TEST(Comm, BlockingBytesAndDoublesKeepOrderPerTag) {
  Communicator& c = world();
  if (c.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  if (c.rank() == 0) {
    std::vector<double> a(1000), b(3);
    std::iota(a.begin(), a.end(), 0.5);
    std::iota(b.begin(), b.end(), 100.0);
    c.send(std::span<const double>(a), 1, 9);
    c.send(std::span<const double>(b), 1, 9);
    const std::string text = "hello";
    c.send(std::as_bytes(std::span(text)), 1, 10);
  } else if (c.rank() == 1) {
    std::vector<double> a(1000), b(3);
    c.recv(std::span<double>(a), 0, 9);
    c.recv(std::span<double>(b), 0, 9);
    EXPECT_EQ(a[0], 0.5);
    EXPECT_EQ(a[999], 999.5);
    EXPECT_EQ(b[2], 102.0);
    std::string text(5, '?');
    c.recv(std::as_writable_bytes(std::span(text)), 0, 10);
    EXPECT_EQ(text, "hello");
  }
  c.barrier();
}

TEST(Comm, TestReportsCompletionWithoutBlocking) {
  Communicator& c = world();
  if (c.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  if (c.rank() == 1) {
    std::vector<float> in(4, 0.0f);
    auto r = c.irecv(std::span<float>(in), 0, 11);
    // Rank 0 sends only after this barrier, so the receive cannot be done yet.
    EXPECT_FALSE(r->test());
    c.barrier();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!r->test() && std::chrono::steady_clock::now() < deadline) {
    }
    EXPECT_TRUE(r->test());
    EXPECT_EQ(in[3], 4.0f);
  } else if (c.rank() == 0) {
    c.barrier();
    const std::vector<float> out{1, 2, 3, 4};
    c.send(std::span<const float>(out), 1, 11);
  } else {
    c.barrier();
  }
}

TEST(Comm, SplitGroupsByColorAndOrdersByKey) {
  Communicator& c = world();
  // Two colours by parity; key reverses the order inside each group.
  auto sub = c.split(c.rank() % 2, -c.rank());
  ASSERT_NE(sub, nullptr);
  const int group_size = (c.size() + 1 - c.rank() % 2) / 2;
  EXPECT_EQ(sub->size(), group_size);
  EXPECT_EQ(sub->rank(), group_size - 1 - c.rank() / 2);
  EXPECT_EQ(sub->timeout(), c.timeout());
  // The sub-communicator really is separate: a ring exchange of world ranks
  // within the group sees only same-parity ranks.
  const int right = (sub->rank() + 1) % sub->size(), left = (sub->rank() + sub->size() - 1) % sub->size();
  std::vector<float> out{static_cast<float>(c.rank())}, in{-1.0f};
  auto r = sub->irecv(std::span<float>(in), left, 0);
  sub->send(std::span<const float>(out), right, 0);
  r->wait();
  EXPECT_EQ(static_cast<int>(in[0]) % 2, c.rank() % 2);
  if (sub->size() > 1) {
    EXPECT_NE(static_cast<int>(in[0]), c.rank());
  }
  sub->barrier();

  // A negative colour opts out.
  auto only_zero = c.split(c.rank() == 0 ? 0 : -1, 0);
  EXPECT_EQ(only_zero == nullptr, c.rank() != 0);
  if (only_zero) {
    EXPECT_EQ(only_zero->size(), 1);
  }
}

TEST(Comm, WaitOnAPeerThatNeverSendsThrowsPeerTimeoutNamingIt) {
  Communicator& c = world();
  if (c.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  auto sub = c.split(0, c.rank());
  sub->set_timeout(std::chrono::milliseconds(300));
  if (sub->rank() == 0) {
    std::vector<float> in(8);
    auto r = sub->irecv(std::span<float>(in), 1, 5);  // rank 1 never sends
    const auto start = std::chrono::steady_clock::now();
    try {
      r->wait();
      ADD_FAILURE() << "wait() returned although nothing was sent";
    } catch (const PeerTimeout& e) {
      EXPECT_EQ(e.peer(), 1);
      EXPECT_NE(std::string(e.what()).find("from rank 1"), std::string::npos) << e.what();
      // Rank 1 is alive, waiting in the barrier below: it is not blamed.
      EXPECT_EQ(e.stopped(), -1) << e.what();
    }
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GE(waited, 0.25);
    EXPECT_LT(waited, 5.0);
  }
  c.barrier();
}

// Sub-ranks 2 -> 1 -> 0 form a chain of waits (keys reverse the world
// order, so sub-rank r is world rank 2 - r). Sub-rank 2 stops talking for a
// while; sub-rank 0 times out waiting for 1, which is healthy and itself
// waits for 2: the timeout must blame world rank 0 (sub-rank 2), not 1.
TEST(Comm, TimeoutNamesTheRankThatStoppedNotItsWaitingNeighbour) {
  Communicator& c = world();
  if (c.size() < 3) GTEST_SKIP() << "needs 3 ranks";
  auto sub = c.split(c.rank() < 3 ? 0 : -1, 2 - c.rank());
  if (sub) {
    ASSERT_EQ(sub->rank(), 2 - c.rank());
    std::vector<float> buf(4, 1.0f);
    if (sub->rank() == 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(3000));  // no MPI call: stopped
      sub->send(std::span<const float>(buf), 1, 9);
    } else if (sub->rank() == 1) {
      sub->set_timeout(std::chrono::seconds(20));
      sub->recv(std::span<float>(buf), 2, 9);
      sub->send(std::span<const float>(buf), 0, 9);
    } else {
      sub->set_timeout(std::chrono::milliseconds(400));
      try {
        sub->recv(std::span<float>(buf), 1, 9);
        ADD_FAILURE() << "the receive completed although rank 2 was stopped";
      } catch (const PeerTimeout& e) {
        EXPECT_EQ(e.peer(), 1);
        EXPECT_EQ(e.stopped(), 0) << e.what();
        EXPECT_NE(std::string(e.what()).find("world rank 1 waits for world rank 0; world rank 0 does not answer"),
                  std::string::npos)
            << e.what();
      }
      sub->set_timeout(std::chrono::seconds(20));
      sub->recv(std::span<float>(buf), 1, 9);  // the chain completes once rank 2 goes on
    }
  }
  c.barrier();
}

TEST(Comm, BadPeerOrTagIsAUserError) {
  Communicator& c = world();
  std::vector<float> buf(1);
  EXPECT_THROW(c.isend(std::span<const float>(buf), c.size(), 0), IndexError);
  EXPECT_THROW(c.irecv(std::span<float>(buf), -1, 0), IndexError);
  EXPECT_THROW(c.isend(std::span<const float>(buf), 0, -2), ValueError);
  EXPECT_THROW(c.set_timeout(std::chrono::milliseconds(0)), ValueError);
}

TEST(Comm, TimeoutComesFromTheEnvironment) {
  ASSERT_EQ(setenv("TERN_COMM_TIMEOUT", "2.5", 1), 0);
  EXPECT_EQ(default_timeout(), std::chrono::milliseconds(2500));
  ASSERT_EQ(setenv("TERN_COMM_TIMEOUT", "soon", 1), 0);
  EXPECT_THROW(default_timeout(), ValueError);
  ASSERT_EQ(unsetenv("TERN_COMM_TIMEOUT"), 0);
  EXPECT_EQ(default_timeout(), std::chrono::seconds(30));
}

}  // namespace
}  // namespace tern::distributed::comm
