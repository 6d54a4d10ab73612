#include "tern/data/idx_folder.h"

#include <gtest/gtest.h>
#include <zlib.h>

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


std::string idx_bytes(const std::vector<uint32_t>& shape, const std::vector<uint8_t>& data) {
  std::string s = {0, 0, 8, static_cast<char>(shape.size())};
  for (uint32_t d : shape)
    for (int b = 3; b >= 0; --b) s += static_cast<char>((d >> (8 * b)) & 0xFF);
  s.append(data.begin(), data.end());
  return s;
}

void write_gz(const fs::path& p, const std::string& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

class IdxFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = unique_temp_dir("tern_idx_folder_test");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(IdxFolder, ReadsBothSplitsInEitherNaming) {
  std::vector<uint8_t> px(3 * 2 * 2);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 20);
  std::ofstream(dir_ / "train-images-idx3-ubyte", std::ios::binary) << idx_bytes({3, 2, 2}, px);
  std::ofstream(dir_ / "train-labels-idx1-ubyte", std::ios::binary) << idx_bytes({3}, {4, 0, 2});
  write_gz(dir_ / "t10k-images.idx3-ubyte.gz", idx_bytes({1, 2, 2}, {1, 2, 3, 4}));
  write_gz(dir_ / "t10k-labels.idx1-ubyte.gz", idx_bytes({1}, {1}));
  auto train = idx_folder(dir_.string(), true);
  EXPECT_EQ(train->size(), 3);
  EXPECT_EQ(train->example_shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(train->num_classes(), 5);
  EXPECT_EQ(train->labels(), (std::vector<int64_t>{4, 0, 2}));
  EXPECT_EQ(train->pixels(), px);
  auto test = idx_folder(dir_.string(), false);
  EXPECT_EQ(test->pixels(), (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST_F(IdxFolder, MissingOrMismatchedFilesAreOneLineErrors) {
  auto error_of = [&](bool train) -> std::string {
    try {
      idx_folder(dir_.string(), train);
    } catch (const IOError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(true).find("no train-images-idx3-ubyte[.gz] (expected train-images-idx3-ubyte"),
            std::string::npos);
  std::ofstream(dir_ / "train-images-idx3-ubyte", std::ios::binary) << idx_bytes({2, 1, 1}, {0, 1});
  std::ofstream(dir_ / "train-labels-idx1-ubyte", std::ios::binary) << idx_bytes({3}, {0, 1, 1});
  EXPECT_NE(error_of(true).find(": 2 images in "), std::string::npos) << error_of(true);
  std::ofstream(dir_ / "train-labels-idx1-ubyte", std::ios::binary) << idx_bytes({2, 1}, {0, 1});
  EXPECT_NE(error_of(true).find("expected a 1-D IDX array of labels, got 2-D"), std::string::npos);
  std::ofstream(dir_ / "train-labels-idx1-ubyte", std::ios::binary) << idx_bytes({2}, {0});  // truncated
  EXPECT_NE(error_of(true).find("train-labels-idx1-ubyte"), std::string::npos);
  EXPECT_EQ(error_of(true).find('\n'), std::string::npos);
  try {
    idx_folder((dir_ / "none").string(), true);
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
  }
}

}  // namespace
}  // namespace tern::data
