// CRC-32C test vector, TFRecord framing round trip, and corrupted records.
#include <gtest/gtest.h>

#include "tern/base/error.h"
#include "tern/train/runlog/crc32c.h"
#include "tern/train/runlog/tfrecord.h"

namespace tern::train::runlog {
namespace {

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(TfRecord, RoundTrip) {
  const std::string file = tfrecord_frame("hello") + tfrecord_frame("") + tfrecord_frame("world!");
  ASSERT_EQ(file.size(), 16u * 3 + 11);
  const auto r = read_tfrecords(file, "t");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0], "hello");
  EXPECT_EQ(r[1], "");
  EXPECT_EQ(r[2], "world!");
}

TEST(TfRecord, CorruptedAndTruncatedAreErrors) {
  const std::string good = tfrecord_frame("hello") + tfrecord_frame("world");
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x10;
    EXPECT_THROW(read_tfrecords(bad, "t"), IOError) << "flipped byte " << i;
  }
  for (size_t n = 1; n < good.size(); ++n) {
    if (n == 21) continue;  // a whole first record
    EXPECT_THROW(read_tfrecords(good.substr(0, n), "t"), IOError) << "truncated to " << n;
  }
}

}  // namespace
}  // namespace tern::train::runlog
