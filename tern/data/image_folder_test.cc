#include "tern/data/image_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <fstream>

#include <unistd.h>

#include "tern/base/error.h"
#include "tern/data/temp_dir_test.h"
#include "tern/data/test_util.h"

namespace tern::data {
namespace {

namespace fs = std::filesystem;

using testing::unique_temp_dir;

using testing::jpeg_bytes;
using testing::png_bytes;

class ImageFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = unique_temp_dir("tern_image_folder_test");
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& bytes) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << bytes;
  }
  std::string error_of(const ImageFolderOptions& o) {
    try {
      read_image_folder(root_.string(), o);
    } catch (const IOError& e) {
      return e.what();
    }
    return "";
  }
  fs::path root_;
};

TEST_F(ImageFolderTest, ClassFoldersInSortedOrderBecomeLabels) {
  write("zebra/b.png", png_bytes(2, 2, 1, {10, 10, 10, 10}));
  write("zebra/a.PNG", png_bytes(2, 2, 1, {20, 20, 20, 20}));
  write("ant/x.jpg", jpeg_bytes(8, 8, 1, std::vector<uint8_t>(64, 200)));
  write("ant/notes.txt", "not an image");
  write("moth/y.png", png_bytes(4, 4, 3, std::vector<uint8_t>(48, 30)));
  ImageFolderOptions o;
  o.size = 2;
  o.channels = 1;
  o.threads = 2;
  const ImageFolder f = read_image_folder(root_.string(), o);
  EXPECT_EQ(f.class_names, (std::vector<std::string>{"ant", "moth", "zebra"}));
  ASSERT_EQ(f.files.size(), 4u);
  EXPECT_EQ(fs::path(f.files[0]).filename(), "x.jpg");
  EXPECT_EQ(fs::path(f.files[2]).filename(), "a.PNG");  // sorted within a class
  EXPECT_EQ(f.dataset->labels(), (std::vector<int64_t>{0, 1, 2, 2}));
  EXPECT_EQ(f.dataset->example_shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(f.dataset->num_classes(), 3);
  const std::vector<uint8_t>& px = f.dataset->pixels();
  EXPECT_NEAR(px[0], 200, 2);  // the JPEG, 8x8 shrunk to 2x2
  EXPECT_EQ(px[4], 30);        // the 4x4 RGB of equal channels, as gray
  EXPECT_EQ(px[8], 20);
  EXPECT_EQ(px[12], 10);
  // A test folder numbered by the training folder's classes.
  o.classes = {"moth", "zebra", "ant", "wasp"};
  const ImageFolder t = read_image_folder(root_.string(), o);
  EXPECT_EQ(t.dataset->labels(), (std::vector<int64_t>{2, 0, 1, 1}));
  EXPECT_EQ(t.dataset->num_classes(), 4);
  o.classes = {"ant", "zebra"};
  EXPECT_NE(error_of(o).find("class folder moth is not one of the training folder's 2 classes"), std::string::npos);
}

TEST_F(ImageFolderTest, RgbResizeIsPlanar) {
  write("c/a.png", png_bytes(1, 1, 3, {10, 20, 30}));
  ImageFolderOptions o;
  o.size = 3;
  const ImageFolder f = read_image_folder(root_.string(), o);
  EXPECT_EQ(f.dataset->example_shape(), (Shape{3, 3, 3}));
  const std::vector<uint8_t>& px = f.dataset->pixels();
  EXPECT_EQ(px[0], 10);
  EXPECT_EQ(px[9 + 4], 20);
  EXPECT_EQ(px[18 + 8], 30);
}

TEST_F(ImageFolderTest, ProblemsNameTheFolderOrFile) {
  ImageFolderOptions o;
  EXPECT_NE(error_of(o).find("not found (expected root/<class name>/*.png|*.jpg)"), std::string::npos);
  fs::create_directories(root_);
  EXPECT_NE(error_of(o).find("has no class subfolders"), std::string::npos);
  write("a/readme.txt", "x");
  EXPECT_NE(error_of(o).find("holds no .png, .jpg or .jpeg files"), std::string::npos);
  write("a/1.png", png_bytes(2, 2, 1, {1, 2, 3, 4}));
  const std::string png = png_bytes(3, 3, 1, std::vector<uint8_t>(9, 5));
  write("b/2.png", png.substr(0, png.size() - 20));
  write("b/3.png", "garbage");
  const std::string e = error_of(o);
  // The first damaged file in dataset order, whatever the thread count.
  EXPECT_EQ(e.find((root_ / "b/2.png").string() + ": bad PNG: "), 0u) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos);
  o.threads = 1;
  EXPECT_EQ(error_of(o), e);
  o.channels = 2;
  EXPECT_THROW(read_image_folder(root_.string(), o), ValueError);
}

}  // namespace
}  // namespace tern::data
