// Where statistics come from. A DATA argument is one of:
//   path.csv                        a CSV file (streamed, multi-threaded)
//   path.json                       statistics written earlier by `tern dv stats`
//   fashion-mnist[:train|:test]     the IDX files of Debian's dataset-fashion-mnist
//                                   (both splits, 70,000 examples, when no split is named)
#pragma once

#include <cstdint>
#include <string>

#include "tern/dv/csv.h"
#include "tern/dv/stats.h"

namespace tern::dv {

struct StatsOptions {
  CsvOptions csv;
  int threads = 0;  // 0: tern::num_threads()
  std::string fashion_mnist_dir;  // empty: tern::data::kFashionMnistDir
};

DatasetStats compute_stats(const std::string& data, const StatsOptions& options = {});
DatasetStats csv_stats(const std::string& path, const StatsOptions& options = {});
// split: "train", "test" or "" for both.
DatasetStats fashion_mnist_stats(const std::string& split, const StatsOptions& options = {});

// Writes Fashion-MNIST as CSV: a header "label,pixel1,...,pixel784", then one
// row per image. Returns the number of rows written.
int64_t export_fashion_mnist_csv(const std::string& split, const std::string& path,
                                 const std::string& dir = "");

}  // namespace tern::dv
