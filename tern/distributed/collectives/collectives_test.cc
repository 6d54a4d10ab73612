// Collectives against a reference sum: run under mpirun with 1..8 ranks (see
// CMakeLists). Values are small integers, so every sum is exact in float and
// results must match bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/mpi_test_main.h"

namespace tern::distributed::collectives {

// Names the algorithm in GoogleTest's parameter printouts.
inline void PrintTo(Algorithm a, std::ostream* os) { *os << algorithm_name(a); }

namespace {

using comm::testing::world;

// Rank q's input at element i: an integer in [0, 140).
template <typename T>
T value(int q, int64_t i) {
  return static_cast<T>((i * 7 + q * 13) % 101 + q * 5);
}

template <typename T>
T reference_sum(int p, int64_t i) {
  T s = 0;
  for (int q = 0; q < p; ++q) s += value<T>(q, i);
  return s;
}

template <typename T>
std::vector<T> inputs(int q, int64_t n) {
  std::vector<T> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = value<T>(q, i);
  return v;
}

// Counts the mismatches in [first, last) and names the first one, so a
// failure prints one line instead of a million.
template <typename T, typename Expected>
::testing::AssertionResult all_equal(const std::vector<T>& got, int64_t first, int64_t last, Expected expected) {
  int64_t bad = 0, first_bad = -1;
  for (int64_t i = first; i < last; ++i)
    if (got[i] != expected(i) && bad++ == 0) first_bad = i;
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << (last - first) << " elements wrong; first at " << first_bad
                                       << ": got " << got[first_bad] << ", expected " << expected(first_bad);
}

const int64_t kCounts[] = {0, 1, 7, 1000, 1000003};
const Algorithm kAlgorithms[] = {Algorithm::ring, Algorithm::halving_doubling, Algorithm::native};

class Collective : public ::testing::TestWithParam<std::tuple<Algorithm, int64_t>> {
 protected:
  Algorithm algo() const { return std::get<0>(GetParam()); }
  int64_t n() const { return std::get<1>(GetParam()); }
};

template <typename T>
void check_allreduce(Algorithm algo, int64_t n) {
  comm::Communicator& c = world();
  std::vector<T> data = inputs<T>(c.rank(), n);
  allreduce(c, std::span<T>(data), algo);
  EXPECT_TRUE(all_equal(data, 0, n, [&](int64_t i) { return reference_sum<T>(c.size(), i); }));
}

template <typename T>
void check_reduce_scatter(Algorithm algo, int64_t n) {
  comm::Communicator& c = world();
  std::vector<T> data = inputs<T>(c.rank(), n);
  reduce_scatter(c, std::span<T>(data), algo);
  const int64_t first = block_offset(n, c.size(), c.rank());
  EXPECT_TRUE(all_equal(data, first, first + block_count(n, c.size(), c.rank()),
                        [&](int64_t i) { return reference_sum<T>(c.size(), i); }));
}

template <typename T>
void check_all_gather(Algorithm algo, int64_t n) {
  comm::Communicator& c = world();
  const int p = c.size();
  // Only our own block is meaningful on entry; NaN elsewhere would show.
  std::vector<T> data(n, std::numeric_limits<T>::quiet_NaN());
  const int64_t first = block_offset(n, p, c.rank()), last = first + block_count(n, p, c.rank());
  for (int64_t i = first; i < last; ++i) data[i] = value<T>(c.rank(), i);
  all_gather(c, std::span<T>(data), algo);
  EXPECT_TRUE(all_equal(data, 0, n, [&](int64_t i) {
    int owner = 0;
    while (block_offset(n, p, owner + 1) <= i) ++owner;
    return value<T>(owner, i);
  }));
}

template <typename T>
void check_broadcast(Algorithm algo, int64_t n) {
  comm::Communicator& c = world();
  // Each root in turn (at most 3 to keep the big case quick).
  for (int root = 0; root < std::min(c.size(), n > 1000 ? 1 : 3); ++root) {
    std::vector<T> data = inputs<T>(c.rank(), n);
    const int real_root = (root * 5 + c.size() - 1) % c.size();  // not always 0
    broadcast(c, std::span<T>(data), real_root, algo);
    EXPECT_TRUE(all_equal(data, 0, n, [&](int64_t i) { return value<T>(real_root, i); })) << "root " << real_root;
  }
}

TEST_P(Collective, AllreduceFloatEqualsReferenceSum) { check_allreduce<float>(algo(), n()); }
TEST_P(Collective, ReduceScatterFloatEqualsReferenceSum) { check_reduce_scatter<float>(algo(), n()); }
TEST_P(Collective, AllGatherFloatCollectsEveryBlock) { check_all_gather<float>(algo(), n()); }
TEST_P(Collective, BroadcastFloatCopiesTheRoot) { check_broadcast<float>(algo(), n()); }
TEST_P(Collective, AllreduceDoubleEqualsReferenceSum) {
  if (n() > 1000) GTEST_SKIP() << "the float case covers the large count";
  check_allreduce<double>(algo(), n());
  check_reduce_scatter<double>(algo(), n());
  check_all_gather<double>(algo(), n());
  check_broadcast<double>(algo(), n());
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithmsAndCounts, Collective,
                         ::testing::Combine(::testing::ValuesIn(kAlgorithms), ::testing::ValuesIn(kCounts)),
                         [](const auto& info) {
                           return std::string(algorithm_name(std::get<0>(info.param))) + "_n" +
                                  std::to_string(std::get<1>(info.param));
                         });

TEST(CollectiveOnSubCommunicator, StageWiseAllreduceEqualsFlatAllreduce) {
  // The BlueConnect shape: reduce-scatter within groups, all-reduce each
  // block across groups, all-gather within groups.
  comm::Communicator& c = world();
  const int64_t n = 1001;
  const int group = c.size() % 2 == 0 ? 2 : 1;
  auto inner = c.split(c.rank() / group, c.rank());
  auto outer = c.split(c.rank() % group, c.rank());
  std::vector<float> data = inputs<float>(c.rank(), n);
  std::span<float> all(data);
  reduce_scatter(*inner, all, Algorithm::ring);
  std::span<float> mine =
      all.subspan(block_offset(n, inner->size(), inner->rank()), block_count(n, inner->size(), inner->rank()));
  allreduce(*outer, mine, Algorithm::halving_doubling);
  all_gather(*inner, all, Algorithm::ring);
  EXPECT_TRUE(all_equal(data, 0, n, [&](int64_t i) { return reference_sum<float>(c.size(), i); }));
}

TEST(CollectiveArguments, BadRootOrAlgorithmNameIsAUserError) {
  comm::Communicator& c = world();
  std::vector<float> data(4);
  EXPECT_THROW(broadcast(c, std::span<float>(data), c.size(), Algorithm::ring), IndexError);
  EXPECT_THROW(broadcast(c, std::span<float>(data), -1, Algorithm::halving_doubling), IndexError);
  EXPECT_THROW(parse_algorithm("tree"), ValueError);
  EXPECT_EQ(parse_algorithm("mpi"), Algorithm::mpi);
  EXPECT_EQ(parse_algorithm("native"), Algorithm::native);
  EXPECT_EQ(parse_algorithm("hd"), Algorithm::halving_doubling);
}

TEST(Partition, BlocksTileTheBufferWithSizesDifferingByAtMostOne) {
  for (int64_t n : {0, 1, 7, 8, 1000003})
    for (int p = 1; p <= 8; ++p) {
      int64_t next = 0;
      for (int r = 0; r < p; ++r) {
        EXPECT_EQ(block_offset(n, p, r), next);
        EXPECT_LE(block_count(n, p, r), n / p + 1);
        EXPECT_GE(block_count(n, p, r), n / p);
        next += block_count(n, p, r);
      }
      EXPECT_EQ(next, n);
    }
}

}  // namespace
}  // namespace tern::distributed::collectives
