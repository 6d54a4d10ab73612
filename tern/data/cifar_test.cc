#include "tern/data/cifar.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <fstream>

#include <unistd.h>

#include "tern/base/error.h"
#include "tern/data/temp_dir_test.h"

namespace tern::data {
namespace {

namespace fs = std::filesystem;

using testing::unique_temp_dir;


// `n` records: labels (one byte each of `label_bytes`, record i's byte b is
// (i + b) % 10) then 3072 pixel bytes of value (i * 7 + k) % 256.
std::string fake_batch(int64_t n, int label_bytes) {
  std::string s;
  for (int64_t i = 0; i < n; ++i) {
    for (int b = 0; b < label_bytes; ++b) s += static_cast<char>((i + b) % 10);
    for (int64_t k = 0; k < 3072; ++k) s += static_cast<char>((i * 7 + k) % 256);
  }
  return s;
}

std::string error_of(std::string_view bytes, int label_bytes = 1, int64_t classes = 10) {
  try {
    CifarRecords r;
    parse_cifar(bytes, "b.bin", label_bytes, label_bytes - 1, classes, r);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Cifar, RecordsAreLabelThenPlanarPixels) {
  CifarRecords r;
  parse_cifar(fake_batch(3, 1), "b.bin", 1, 0, 10, r);
  ASSERT_EQ(r.labels, (std::vector<int64_t>{0, 1, 2}));
  ASSERT_EQ(r.pixels.size(), 3u * 3072);
  EXPECT_EQ(r.pixels[3072 + 5], (7 + 5) % 256);
  CifarRecords fine, coarse;
  parse_cifar(fake_batch(2, 2), "t.bin", 2, 1, 100, fine);
  parse_cifar(fake_batch(2, 2), "t.bin", 2, 0, 20, coarse);
  EXPECT_EQ(fine.labels, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(coarse.labels, (std::vector<int64_t>{0, 1}));
}

TEST(Cifar, TruncatedOrWrongRecordsNameTheRecord) {
  const std::string good = fake_batch(3, 1);
  EXPECT_EQ(error_of(good.substr(0, 2 * 3073 + 100)),
            "b.bin: record 2 is truncated (100 of its 3073 bytes; expected whole CIFAR-10 records of 1 label byte + "
            "3072 pixels)");
  std::string bad = good;
  bad[3073] = 42;
  EXPECT_EQ(error_of(bad), "b.bin: record 1: label 42 outside [0, 10) (a CIFAR-100 file read as CIFAR-10?)");
  EXPECT_EQ(error_of(""), "b.bin: empty file (expected 3073-byte CIFAR records)");
  for (size_t n = 0; n < good.size(); n += 97) {
    const std::string e = error_of(good.substr(0, n));
    EXPECT_FALSE(e.empty()) << n;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(Cifar, FoldersOfBatches) {
  const fs::path dir = unique_temp_dir("tern_cifar_test");
  fs::remove_all(dir);
  fs::create_directories(dir);
  try {
    cifar10(dir.string(), true);
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("data_batch_1.bin not found"), std::string::npos) << e.what();
  }
  for (int b = 1; b <= 5; ++b) std::ofstream(dir / ("data_batch_" + std::to_string(b) + ".bin")) << fake_batch(2, 1);
  std::ofstream(dir / "test_batch.bin") << fake_batch(3, 1);
  auto train = cifar10(dir.string(), true);
  EXPECT_EQ(train->size(), 10);
  EXPECT_EQ(train->example_shape(), (Shape{3, 32, 32}));
  EXPECT_EQ(train->num_classes(), 10);
  EXPECT_EQ(cifar10(dir.string(), false)->size(), 3);
  std::ofstream(dir / "train.bin") << fake_batch(4, 2);
  std::ofstream(dir / "test.bin") << fake_batch(1, 2);
  EXPECT_EQ(cifar100(dir.string(), true)->labels(), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(cifar100(dir.string(), true, true)->num_classes(), 20);
  std::ofstream(dir / "test_batch.bin") << fake_batch(3, 1).substr(0, 5000);
  try {
    cifar10(dir.string(), false);
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("test_batch.bin: record 1 is truncated"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cifar10((dir / "nope").string(), true), IOError);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tern::data
