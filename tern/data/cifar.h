// CIFAR-10 and CIFAR-100 in their "binary version" files (Krizhevsky 2009,
// https://www.cs.toronto.edu/~kriz/cifar.html). Nothing is downloaded.
//  CIFAR-10:  data_batch_1.bin .. data_batch_5.bin, test_batch.bin;
//             records of 1 label byte + 3072 pixel bytes.
//  CIFAR-100: train.bin, test.bin; records of 2 label bytes (coarse, fine)
//             + 3072 pixel bytes.
// Pixels are 1024 red, 1024 green, 1024 blue bytes of a 32x32 image: already
// the [3, 32, 32] layout of ImageDataset.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tern/data/dataset.h"

namespace tern::data {

struct CifarRecords {
  std::vector<uint8_t> pixels;  // count x 3072
  std::vector<int64_t> labels;
};

// Appends the records in `bytes` (one .bin file; `source` names it in errors)
// to `out`. `label_bytes` is 1 (CIFAR-10) or 2 (CIFAR-100); the label read is
// byte `label_index` of them, and must be below `classes`. A size that is not
// a whole number of records, or a label out of range, throws one-line
// tern::IOError naming the file and the record.
void parse_cifar(std::string_view bytes, const std::string& source, int label_bytes, int label_index,
                 int64_t classes, CifarRecords& out);

// The train or test split of CIFAR-10 in `dir` (not normalised: [0, 1]). A
// missing directory or file throws IOError listing the files expected.
std::shared_ptr<ImageDataset> cifar10(const std::string& dir, bool train);
// CIFAR-100: the 100 fine labels, or with `coarse` the 20 superclasses.
std::shared_ptr<ImageDataset> cifar100(const std::string& dir, bool train, bool coarse = false);

}  // namespace tern::data
