// main() for GoogleTest binaries run as `mpirun -np N binary`. Each rank runs
// all tests and exits non-zero if any of its assertions failed, which makes
// mpirun (and so ctest) fail. Only rank 0 prints the usual report; other
// ranks print just their failures, prefixed with the rank.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/comm/mpi_test_main.h"

namespace tern::distributed::comm::testing {

Communicator& world() {
  static std::unique_ptr<Communicator> comm = [] {
    auto c = mpi_world();
    // A test that desynchronises the ranks should fail fast, not after 30 s.
    c->set_timeout(std::chrono::seconds(20));
    return c;
  }();
  return *comm;
}

namespace {

class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "[rank %d] %s:%d: failure\n%s\n", rank_, result.file_name() ? result.file_name() : "?",
                 result.line_number(), result.summary());
  }

 private:
  int rank_;
};

}  // namespace
}  // namespace tern::distributed::comm::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const int rank = tern::distributed::comm::testing::world().rank();
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new tern::distributed::comm::testing::RankFailurePrinter(rank));
  }
  return RUN_ALL_TESTS();
}
