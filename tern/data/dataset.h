// Datasets and the DataLoader. A dataset serves whole batches (one call per
// batch, not per example), so loaders stay cheap for small images.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::data {

struct Batch {
  Tensor inputs;  // [B, ...] (f32 images, or i64 tokens)
  Tensor labels;  // [B] i64 (or [B, T] for token targets)
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The examples at `indices`, stacked. Must be safe to call from a worker thread.
  virtual Batch get(const std::vector<int64_t>& indices) const = 0;
  // Per-example input shape, e.g. {1, 28, 28}.
  virtual Shape example_shape() const = 0;
  virtual int64_t num_classes() const = 0;
};

// Images held as uint8 [N, C, H, W] with integer labels; batches come out as
// f32 scaled to [0, 1] then normalised with (x - mean) / std.
class ImageDataset : public Dataset {
 public:
  ImageDataset(std::vector<uint8_t> pixels, std::vector<int64_t> labels, Shape example_shape, int64_t classes);
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Batch get(const std::vector<int64_t>& indices) const override;
  Shape example_shape() const override { return shape_; }
  int64_t num_classes() const override { return classes_; }
  // Widens the class count (a test set whose labels stop short of the
  // training set's largest); it cannot shrink below a label held.
  void set_num_classes(int64_t classes);
  void set_normalization(float mean, float std) { mean_ = mean, std_ = std; }
  const std::vector<int64_t>& labels() const { return labels_; }
  const std::vector<uint8_t>& pixels() const { return pixels_; }
  // Mean and std of all pixels scaled to [0, 1]: the normalisation a
  // training set gives itself and its test set.
  std::pair<float, float> pixel_mean_std() const;
  // A new dataset of the examples at `indices` (same classes, same normalisation).
  std::shared_ptr<ImageDataset> take(const std::vector<int64_t>& indices) const;

 private:
  std::vector<uint8_t> pixels_;
  std::vector<int64_t> labels_;
  Shape shape_;
  int64_t classes_;
  int64_t example_bytes_;
  float mean_ = 0.f, std_ = 1.f;
};

// Fashion-MNIST from the IDX files of Debian's dataset-fashion-mnist
// (train: 60,000 images, test: 10,000), normalised with the training set's
// mean and std (0.2860, 0.3530). A missing directory gives an error that
// names it and the package to install.
std::shared_ptr<ImageDataset> fashion_mnist(const std::string& dir, bool train);

// Learnable synthetic classification data for tests and benchmarks: each class
// has a random prototype image fixed by `seed`; examples are prototype + noise.
// `split` picks an independent draw of examples (e.g. 0 = train, 1 = test)
// over the same prototypes.
std::shared_ptr<ImageDataset> synthetic_images(int64_t n, Shape example_shape, int64_t classes, uint64_t seed,
                                               uint64_t split = 0);

}  // namespace tern::data
