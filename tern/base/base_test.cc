#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <thread>
#include <set>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/philox.h"

namespace tern {

TEST(Error, CheckThrowsTypedErrorWithMessage) {
  try {
    TERN_CHECK(1 + 1 == 3, "expected ", 3, " got ", 2);
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_STREQ(e.what(), "expected 3 got 2");
  }
  EXPECT_THROW(TERN_CHECK_INDEX(false, "x"), IndexError);
  EXPECT_THROW(TERN_ASSERT(false), InternalError);
}

TEST(Philox, KnownAnswerAndIndependence) {
  // Random123 known-answer test for philox4x32-10, counter=0, key=0.
  auto b = Philox::block(0, 0);
  EXPECT_EQ(b[0], 0x6627e8d5u);
  EXPECT_EQ(b[1], 0xe169c58du);
  EXPECT_EQ(b[2], 0xbc57ac4cu);
  EXPECT_EQ(b[3], 0x9b00dbd8u);
  std::set<uint32_t> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(Philox::bits(42, i));
  EXPECT_GT(seen.size(), 995u);
  EXPECT_NE(Philox::bits(1, 5), Philox::bits(2, 5));
}

TEST(Philox, NormalMoments) {
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double v = Philox::normal(7, i);
    sum += v;
    sq += v * v;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
}

TEST(Parallel, CoversRangeExactlyOnce) {
  set_num_threads(2);
  std::vector<int> hits(1001, 0);
  parallel_for(1001, 10, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) hits[i]++;
  });
  for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(AtomicFile, WritesAndReadsBack) {
  const std::string path = ::testing::TempDir() + "/tern_atomic_test.bin";
  write_file_atomic(path, "hello");
  EXPECT_EQ(read_file(path), "hello");
  write_file_atomic(path, "world!");
  EXPECT_EQ(read_file(path), "world!");
  std::remove(path.c_str());
  EXPECT_THROW(read_file(path), IOError);
}

// A pipe has no size to read up front (`tern run --input <(python3 ...)`):
// read_file reads it to the end, beyond one pipe buffer.
TEST(AtomicFile, ReadsAPipeToTheEnd) {
  const std::string fifo = ::testing::TempDir() + "/tern_read_fifo";
  std::remove(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string data(200000, 'x');
  std::thread writer([&] {
    std::FILE* f = std::fopen(fifo.c_str(), "wb");
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
  });
  EXPECT_EQ(read_file(fifo), data);
  writer.join();
  std::remove(fifo.c_str());
}

TEST(AtomicFile, AWriteRemovesTemporariesOfKilledWriters) {
  const std::string path = ::testing::TempDir() + "/tern_atomic_stale.bin";
  // pid 2^22 + 1 is above Linux's pid_max limit: no such process can exist.
  const std::string stale = path + ".tmp.4194305", live = path + ".tmp.1";  // pid 1 is alive
  write_file_atomic(stale, "left by a killed write");
  write_file_atomic(live, "another writer's");
  write_file_atomic(path, "new");
  EXPECT_EQ(read_file(path), "new");
  EXPECT_THROW(read_file(stale), IOError);
  EXPECT_EQ(read_file(live), "another writer's");
  std::remove(live.c_str());
  std::remove(path.c_str());
}

}  // namespace tern
