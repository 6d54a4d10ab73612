#include "tern/data/feature_dataset.h"

#include <cmath>

namespace tern::data {

FeatureDataset::FeatureDataset(std::vector<float> values, std::vector<int64_t> labels, Shape example_shape,
                               int64_t classes)
    : values_(std::move(values)), labels_(std::move(labels)), shape_(std::move(example_shape)), classes_(classes) {
  per_ = numel_of(shape_);
  TERN_CHECK(static_cast<int64_t>(values_.size()) == per_ * size(), "FeatureDataset: ", values_.size(),
             " values do not match ", size(), " examples of shape ", shape_str(shape_));
  for (int64_t l : labels_)
    TERN_CHECK(l >= 0 && l < classes_, "FeatureDataset: label ", l, " outside [0, ", classes_, ")");
}

void FeatureDataset::set_num_classes(int64_t classes) {
  for (int64_t l : labels_) TERN_CHECK(l < classes, "FeatureDataset: label ", l, " outside [0, ", classes, ")");
  classes_ = classes;
}

void FeatureDataset::set_standardization(std::vector<float> mean, std::vector<float> std) {
  TERN_CHECK(static_cast<int64_t>(mean.size()) == per_ && static_cast<int64_t>(std.size()) == per_,
             "FeatureDataset: standardisation needs ", per_, " means and stds, got ", mean.size(), " and ", std.size());
  shift_.resize(per_);
  scale_.resize(per_);
  for (int64_t k = 0; k < per_; ++k) {
    scale_[k] = std[k] > 0 ? 1.0f / std[k] : 1.0f;
    shift_[k] = -mean[k] * scale_[k];
  }
}

std::pair<std::vector<float>, std::vector<float>> FeatureDataset::position_stats() const {
  std::vector<double> sum(per_, 0.0), sq(per_, 0.0);
  for (int64_t i = 0; i < size(); ++i)
    for (int64_t k = 0; k < per_; ++k) {
      const double v = values_[i * per_ + k];
      sum[k] += v;
      sq[k] += v * v;
    }
  std::vector<float> mean(per_), sd(per_);
  const double n = std::max<int64_t>(size(), 1);
  for (int64_t k = 0; k < per_; ++k) {
    const double m = sum[k] / n;
    mean[k] = static_cast<float>(m);
    sd[k] = static_cast<float>(std::sqrt(std::max(sq[k] / n - m * m, 0.0)));
  }
  return {mean, sd};
}

std::shared_ptr<FeatureDataset> FeatureDataset::take(const std::vector<int64_t>& indices) const {
  std::vector<float> v;
  std::vector<int64_t> l;
  v.reserve(indices.size() * per_);
  for (int64_t i : indices) {
    TERN_CHECK_INDEX(i >= 0 && i < size(), "dataset index ", i, " out of range [0, ", size(), ")");
    v.insert(v.end(), values_.begin() + i * per_, values_.begin() + (i + 1) * per_);
    l.push_back(labels_[i]);
  }
  auto out = std::make_shared<FeatureDataset>(std::move(v), std::move(l), shape_, classes_);
  out->shift_ = shift_;
  out->scale_ = scale_;
  return out;
}

Batch FeatureDataset::get(const std::vector<int64_t>& indices) const {
  const int64_t b = static_cast<int64_t>(indices.size());
  Shape s = shape_;
  s.insert(0, b);
  Tensor x = Tensor::empty(s);
  Tensor y = Tensor::empty({b}, DType::i64);
  float* xp = x.data<float>();
  int64_t* yp = y.data<int64_t>();
  for (int64_t i = 0; i < b; ++i) {
    const int64_t idx = indices[i];
    TERN_CHECK_INDEX(idx >= 0 && idx < size(), "dataset index ", idx, " out of range [0, ", size(), ")");
    const float* src = values_.data() + idx * per_;
    float* dst = xp + i * per_;
    if (scale_.empty())
      std::copy(src, src + per_, dst);
    else
      for (int64_t k = 0; k < per_; ++k) dst[k] = src[k] * scale_[k] + shift_[k];
    yp[i] = labels_[idx];
  }
  return {x, y};
}

}  // namespace tern::data
