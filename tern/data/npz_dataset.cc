#include "tern/data/npz_dataset.h"

#include <algorithm>
#include <cmath>

#include "tern/base/error.h"
#include "tern/data/feature_dataset.h"
#include "tern/data/npy.h"
#include "tern/ops/ops.h"

namespace tern::data {

std::shared_ptr<Dataset> arrays_dataset(const Tensor& x, const Tensor& y, const std::string& source) {
  TERN_CHECK_T(IOError, x.dim() >= 2, source, ": x must be [N, ...] with N examples, got shape ", shape_str(x.shape()));
  const int64_t n = x.shape()[0];
  TERN_CHECK_T(IOError, n > 0, source, ": x holds no examples");
  TERN_CHECK_T(IOError, y.dim() == 1 || (y.dim() == 2 && y.shape()[1] == 1), source,
               ": y must be [N] or [N, 1] labels, got shape ", shape_str(y.shape()));
  TERN_CHECK_T(IOError, y.shape()[0] == n, source, ": x has ", n, " examples but y has ", y.shape()[0], " labels");
  TERN_CHECK_T(IOError, !is_floating(y.dtype()), source, ": y must hold integer class ids, got ", dtype_name(y.dtype()));
  const Tensor yl = contiguous(cast(y, DType::i64));
  std::vector<int64_t> labels(yl.data<int64_t>(), yl.data<int64_t>() + n);
  int64_t top = -1;
  for (int64_t i = 0; i < n; ++i) {
    TERN_CHECK_T(IOError, labels[i] >= 0 && labels[i] < (int64_t{1} << 24), source, ": y[", i, "] = ", labels[i],
                 " is not a class id (expected an integer in [0, 2^24))");
    top = std::max(top, labels[i]);
  }
  Shape shape(x.shape().begin() + 1, x.shape().end());
  if (shape.size() == 2) shape.insert(0, 1);  // [H, W] images get one channel
  Tensor xs = x;
  if (x.dtype() == DType::u8 && x.dim() == 4 && x.shape()[1] != 1 && x.shape()[1] != 3 &&
      (x.shape()[3] == 1 || x.shape()[3] == 3)) {
    xs = permute(x, {0, 3, 1, 2});
    shape = {x.shape()[3], x.shape()[1], x.shape()[2]};
  }
  xs = contiguous(xs);
  if (x.dtype() == DType::u8 && (x.dim() == 3 || x.dim() == 4)) {
    std::vector<uint8_t> px(xs.data<uint8_t>(), xs.data<uint8_t>() + xs.numel());
    return std::make_shared<ImageDataset>(std::move(px), std::move(labels), shape, top + 1);
  }
  const Tensor xf = contiguous(cast(xs, DType::f32));
  std::vector<float> v(xf.data<float>(), xf.data<float>() + xf.numel());
  for (size_t i = 0; i < v.size(); ++i)
    TERN_CHECK_T(IOError, std::isfinite(v[i]), source, ": x holds a non-finite value at flat index ", i);
  return std::make_shared<FeatureDataset>(std::move(v), std::move(labels), shape, top + 1);
}

std::shared_ptr<Dataset> npz_dataset(const std::map<std::string, Tensor>& arrays, const std::string& path,
                                     const std::string& x_key, const std::string& y_key) {
  std::string names;
  for (const auto& [k, v] : arrays) names += (names.empty() ? "" : ", ") + k;
  for (const std::string& k : {x_key, y_key})
    TERN_CHECK_T(IOError, arrays.count(k), path, ": no array '", k, "' (the file has: ", names.empty() ? "none" : names,
                 "; choose with x=NAME,y=NAME)");
  return arrays_dataset(arrays.at(x_key), arrays.at(y_key), path + " [" + x_key + ", " + y_key + "]");
}

std::shared_ptr<Dataset> npz_dataset(const std::string& path, const std::string& x_key, const std::string& y_key) {
  return npz_dataset(read_npz(path), path, x_key, y_key);
}

}  // namespace tern::data
