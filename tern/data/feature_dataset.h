// Examples held as f32 rows (tabular features, or float arrays of any shape)
// with integer labels: what CSV files and float .npz arrays become.
#pragma once

#include <cstdint>
#include <vector>

#include "tern/data/dataset.h"

namespace tern::data {

class FeatureDataset : public Dataset {
 public:
  // `values` holds size() examples of `example_shape`, row-major.
  FeatureDataset(std::vector<float> values, std::vector<int64_t> labels, Shape example_shape, int64_t classes);
  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  Batch get(const std::vector<int64_t>& indices) const override;
  Shape example_shape() const override { return shape_; }
  int64_t num_classes() const override { return classes_; }
  // Widens the class count (a test set whose labels stop short of the
  // training set's largest); it cannot shrink below a label held.
  void set_num_classes(int64_t classes);

  // Batches come out as (x - mean[k]) / std[k] per element position k of an
  // example (per feature for [F] examples); both of example size. A zero
  // std (a constant column) leaves that position centred but unscaled.
  void set_standardization(std::vector<float> mean, std::vector<float> std);
  // Per-position mean and std over the examples (population std).
  std::pair<std::vector<float>, std::vector<float>> position_stats() const;
  // A new dataset of the examples at `indices` (same classes, same standardisation).
  std::shared_ptr<FeatureDataset> take(const std::vector<int64_t>& indices) const;
  const std::vector<int64_t>& labels() const { return labels_; }
  const std::vector<float>& values() const { return values_; }

 private:
  std::vector<float> values_;
  std::vector<int64_t> labels_;
  Shape shape_;
  int64_t classes_;
  int64_t per_;  // elements per example
  std::vector<float> shift_, scale_;  // empty: no standardisation
};

}  // namespace tern::data
