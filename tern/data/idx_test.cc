#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tern/base/error.h"
#include "tern/data/idx.h"

namespace tern::data {

TEST(Idx, ReadsPlainFileAndRejectsTruncation) {
  const std::string path = ::testing::TempDir() + "/tern_idx_test.idx";
  {
    std::ofstream f(path, std::ios::binary);
    const unsigned char hdr[] = {0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3};
    f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
    const unsigned char body[] = {1, 2, 3, 4, 5, 6};
    f.write(reinterpret_cast<const char*>(body), sizeof body);
  }
  IdxArray a = read_idx(path);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data[5], 6);
  std::filesystem::resize_file(path, 15);
  EXPECT_THROW(read_idx(path), IOError);
  EXPECT_THROW(read_idx(path + ".missing"), IOError);
}

// [4, 2^31, 2^31] multiplies to 2^64, which wraps to 0 in 64 bits: the
// header must be refused, not taken for an empty array.
TEST(Idx, ShapesWhoseSizeOverflowsAreRefused) {
  const std::string path = ::testing::TempDir() + "/tern_idx_overflow.idx";
  {
    std::ofstream f(path, std::ios::binary);
    const unsigned char hdr[] = {0, 0, 8, 3, 0, 0, 0, 4, 0x80, 0, 0, 0, 0x80, 0, 0, 0};
    f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
  }
  try {
    read_idx(path);
    FAIL() << "accepted an overflowing shape";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("more than the 0 the file has"), std::string::npos) << e.what();
  }
}

TEST(Idx, ReadsFashionMnistFromDebianPackage) {
  const std::string dir = kFashionMnistDir;
  if (!std::filesystem::exists(dir + "/t10k-labels-idx1-ubyte.gz")) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  IdxArray labels = read_idx(dir + "/t10k-labels-idx1-ubyte.gz");
  ASSERT_EQ(labels.shape, (std::vector<int64_t>{10000}));
  IdxArray images = read_idx(dir + "/t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(images.shape, (std::vector<int64_t>{10000, 28, 28}));
}

}  // namespace tern::data
