// A labelled dataset from two arrays of an .npz file (np.savez(f, x=..., y=...)).
#pragma once

#include <map>
#include <memory>
#include <string>

#include "tern/core/tensor.h"
#include "tern/data/dataset.h"

namespace tern::data {

// `x` is [N, ...], `y` holds N non-negative integer labels ([N] or [N, 1]).
// uint8 `x` of rank 3 ([N, H, W]) or 4 becomes an ImageDataset of
// [1, H, W] / [C, H, W] images in [0, 1] (an [N, H, W, C] array with C of 1
// or 3 and not [N, C, H, W] is transposed to channels first, as Keras saves
// images); any other `x` becomes a FeatureDataset of f32 examples ([N, H, W]
// as [1, H, W]). Classes: 1 + the largest label. `source` names the arrays
// in errors (one line, tern::IOError).
std::shared_ptr<Dataset> arrays_dataset(const Tensor& x, const Tensor& y, const std::string& source);

// Arrays `x_key` and `y_key` of the .npz at `path`; a missing name throws
// IOError listing the arrays the file has.
std::shared_ptr<Dataset> npz_dataset(const std::string& path, const std::string& x_key, const std::string& y_key);
std::shared_ptr<Dataset> npz_dataset(const std::map<std::string, Tensor>& arrays, const std::string& path,
                                     const std::string& x_key, const std::string& y_key);

}  // namespace tern::data
