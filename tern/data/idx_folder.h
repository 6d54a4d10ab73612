// Any MNIST-like set of IDX files in one folder (MNIST, Fashion-MNIST,
// KMNIST, EMNIST splits, ...): train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
// each optionally gzip'ed (.gz) and with "." instead of "-" before "idx"
// (train-images.idx3-ubyte, as some mirrors name them).
#pragma once

#include <memory>
#include <string>

#include "tern/data/dataset.h"

namespace tern::data {

// The train or test split in `dir` as [1, H, W] uint8 images (or [C, H, W]
// for 4-D image files), not normalised: [0, 1]. Classes: 1 + the largest
// label. A missing folder or file throws IOError listing what was expected.
std::shared_ptr<ImageDataset> idx_folder(const std::string& dir, bool train);

}  // namespace tern::data
