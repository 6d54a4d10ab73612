#include "tern/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "tern/base/philox.h"
#include "tern/data/idx.h"

namespace tern::data {

ImageDataset::ImageDataset(std::vector<uint8_t> pixels, std::vector<int64_t> labels, Shape example_shape, int64_t classes)
    : pixels_(std::move(pixels)), labels_(std::move(labels)), shape_(std::move(example_shape)), classes_(classes) {
  example_bytes_ = numel_of(shape_);
  TERN_CHECK(static_cast<int64_t>(pixels_.size()) == example_bytes_ * size(), "ImageDataset: ", pixels_.size(),
             " pixel bytes do not match ", size(), " examples of shape ", shape_str(shape_));
  for (int64_t l : labels_) TERN_CHECK(l >= 0 && l < classes_, "ImageDataset: label ", l, " outside [0, ", classes_, ")");
}

Batch ImageDataset::get(const std::vector<int64_t>& indices) const {
  const int64_t b = static_cast<int64_t>(indices.size());
  Shape s = shape_;
  s.insert(0, b);
  Tensor x = Tensor::empty(s);
  Tensor y = Tensor::empty({b}, DType::i64);
  float* xp = x.data<float>();
  int64_t* yp = y.data<int64_t>();
  const float scale = 1.0f / (255.0f * std_), shift = -mean_ / std_;
  for (int64_t i = 0; i < b; ++i) {
    const int64_t idx = indices[i];
    TERN_CHECK_INDEX(idx >= 0 && idx < size(), "dataset index ", idx, " out of range [0, ", size(), ")");
    const uint8_t* src = pixels_.data() + idx * example_bytes_;
    float* dst = xp + i * example_bytes_;
    for (int64_t k = 0; k < example_bytes_; ++k) dst[k] = src[k] * scale + shift;
    yp[i] = labels_[idx];
  }
  return {x, y};
}

void ImageDataset::set_num_classes(int64_t classes) {
  for (int64_t l : labels_) TERN_CHECK(l < classes, "ImageDataset: label ", l, " outside [0, ", classes, ")");
  classes_ = classes;
}

std::pair<float, float> ImageDataset::pixel_mean_std() const {
  uint64_t hist[256] = {};  // exact sums for any size
  for (uint8_t p : pixels_) ++hist[p];
  double n = 0, sum = 0, sq = 0;
  for (int v = 0; v < 256; ++v) {
    const double x = v / 255.0, c = static_cast<double>(hist[v]);
    n += c, sum += c * x, sq += c * x * x;
  }
  if (n == 0) return {0.f, 1.f};
  const double mean = sum / n, var = std::max(sq / n - mean * mean, 0.0);
  const double sd = std::sqrt(var);
  return {static_cast<float>(mean), static_cast<float>(sd > 1e-6 ? sd : 1.0)};
}

std::shared_ptr<ImageDataset> ImageDataset::take(const std::vector<int64_t>& indices) const {
  std::vector<uint8_t> px;
  std::vector<int64_t> l;
  px.reserve(indices.size() * example_bytes_);
  for (int64_t i : indices) {
    TERN_CHECK_INDEX(i >= 0 && i < size(), "dataset index ", i, " out of range [0, ", size(), ")");
    px.insert(px.end(), pixels_.begin() + i * example_bytes_, pixels_.begin() + (i + 1) * example_bytes_);
    l.push_back(labels_[i]);
  }
  auto out = std::make_shared<ImageDataset>(std::move(px), std::move(l), shape_, classes_);
  out->set_normalization(mean_, std_);
  return out;
}

std::shared_ptr<ImageDataset> fashion_mnist(const std::string& dir, bool train) {
  namespace fs = std::filesystem;
  TERN_CHECK_T(IOError, fs::is_directory(dir), "Fashion-MNIST directory ", dir,
               " not found (install Debian's dataset-fashion-mnist, or pass --data-dir)");
  const std::string prefix = dir + "/" + (train ? "train" : "t10k");
  auto find = [&](const std::string& stem) {
    for (const char* ext : {".gz", ""})
      if (fs::exists(prefix + stem + ext)) return prefix + stem + ext;
    throw IOError(str_cat("Fashion-MNIST file ", prefix + stem, "[.gz] not found in ", dir));
  };
  IdxArray images = read_idx(find("-images-idx3-ubyte"));
  IdxArray labels = read_idx(find("-labels-idx1-ubyte"));
  TERN_CHECK_T(IOError, images.shape.size() == 3, "Fashion-MNIST images in ", dir,
               ": expected a 3-D IDX array (count x rows x columns), got ", images.shape.size(), "-D");
  TERN_CHECK_T(IOError, labels.shape.size() == 1, "Fashion-MNIST labels in ", dir,
               ": expected a 1-D IDX array, got ", labels.shape.size(), "-D");
  TERN_CHECK_T(IOError, images.shape[0] == labels.shape[0], "Fashion-MNIST files in ", dir, " disagree: ",
               images.shape[0], " images vs ", labels.shape[0], " labels");
  std::vector<int64_t> y(labels.data.begin(), labels.data.end());
  auto ds = std::make_shared<ImageDataset>(std::move(images.data), std::move(y),
                                           Shape{1, images.shape[1], images.shape[2]}, 10);
  ds->set_normalization(0.2860f, 0.3530f);
  return ds;
}

std::shared_ptr<ImageDataset> synthetic_images(int64_t n, Shape example_shape, int64_t classes, uint64_t seed,
                                               uint64_t split) {
  const uint64_t draw = seed * 7919 + split * 104729 + 3;  // examples' stream; prototypes use seed + 1
  TERN_CHECK(n > 0 && classes > 0, "synthetic dataset: size and classes must be positive");
  const int64_t per = numel_of(example_shape);
  std::vector<uint8_t> pixels(static_cast<size_t>(n * per));
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = static_cast<int64_t>(Philox::bits(draw, static_cast<uint64_t>(i)) % classes);
    labels[i] = c;
    for (int64_t k = 0; k < per; ++k) {
      const float proto = Philox::uniform(seed + 1, static_cast<uint64_t>(c * per + k)) * 255.f;
      const float noise = Philox::normal(draw + 1, static_cast<uint64_t>(i * per + k)) * 40.f;
      pixels[i * per + k] = static_cast<uint8_t>(std::clamp(proto + noise, 0.f, 255.f));
    }
  }
  auto ds = std::make_shared<ImageDataset>(std::move(pixels), std::move(labels), std::move(example_shape), classes);
  ds->set_normalization(0.5f, 0.3f);
  return ds;
}

}  // namespace tern::data
