#include "tern/data/npz_dataset.h"

#include <gtest/gtest.h>

#include "tern/base/error.h"
#include "tern/data/feature_dataset.h"

namespace tern::data {
namespace {

TEST(NpzDataset, FloatArraysBecomeFeatures) {
  // xy.npz: np.savez(f, x=np.arange(6, dtype=np.float32).reshape(2, 3) / 4, y=np.array([1, 0]))
  auto ds = npz_dataset(std::string(TERN_NPY_TESTDATA) + "/xy.npz", "x", "y");
  EXPECT_EQ(ds->size(), 2);
  EXPECT_EQ(ds->example_shape(), (Shape{3}));
  EXPECT_EQ(ds->num_classes(), 2);
  EXPECT_NE(dynamic_cast<FeatureDataset*>(ds.get()), nullptr);
  try {
    npz_dataset(std::string(TERN_NPY_TESTDATA) + "/xy.npz", "images", "y");
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("no array 'images' (the file has: x, y; choose with x=NAME,y=NAME)"),
              std::string::npos)
        << e.what();
  }
}

TEST(NpzDataset, ChannelsLastBytesBecomeChannelsFirstImages) {
  // Two 2x2 RGB images, [N, H, W, C]; pixel (h, w) channel c holds 100 * n + 10 * c + 2 * h + w.
  std::vector<uint8_t> v;
  for (int n = 0; n < 2; ++n)
    for (int h = 0; h < 2; ++h)
      for (int w = 0; w < 2; ++w)
        for (int c = 0; c < 3; ++c) v.push_back(static_cast<uint8_t>(100 * n + 10 * c + 2 * h + w));
  auto ds = arrays_dataset(Tensor::from_vector(v, {2, 2, 2, 3}), Tensor::from_vector<int64_t>({1, 0}, {2}), "a.npz");
  auto* img = dynamic_cast<ImageDataset*>(ds.get());
  ASSERT_NE(img, nullptr);
  EXPECT_EQ(img->example_shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(img->pixels()[4], 10);          // n 0, c 1, h 0, w 0
  EXPECT_EQ(img->pixels()[12 + 11], 100 + 20 + 3);  // n 1, c 2, h 1, w 1
}

TEST(NpzDataset, BadArraysAreOneLineErrors) {
  auto error_of = [](const Tensor& x, const Tensor& y) -> std::string {
    try {
      arrays_dataset(x, y, "d.npz");
    } catch (const IOError& e) {
      return e.what();
    }
    return "";
  };
  const Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(error_of(x, Tensor::from_vector<int64_t>({0, 1, 2}, {3})), "d.npz: x has 2 examples but y has 3 labels");
  EXPECT_EQ(error_of(x, Tensor::from_vector<float>({0, 1}, {2})), "d.npz: y must hold integer class ids, got f32");
  EXPECT_EQ(error_of(x, Tensor::from_vector<int64_t>({0, -1}, {2})),
            "d.npz: y[1] = -1 is not a class id (expected an integer in [0, 2^24))");
  EXPECT_EQ(error_of(Tensor::from_vector<float>({1, 2}, {2}), Tensor::from_vector<int64_t>({0, 1}, {2})),
            "d.npz: x must be [N, ...] with N examples, got shape [2]");
  const float inf = 1.0f / 0.0f;
  EXPECT_EQ(error_of(Tensor::from_vector<float>({1, 2, inf, 4}, {2, 2}), Tensor::from_vector<int64_t>({0, 1}, {2})),
            "d.npz: x holds a non-finite value at flat index 2");
}

}  // namespace
}  // namespace tern::data
