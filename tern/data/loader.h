// DataLoader: shuffles (seeded), shards across ranks, applies augmentation,
// and prepares batches on a background thread so the training loop never
// waits for data.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "tern/data/dataset.h"

namespace tern::data {

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;
  int rank = 0, world = 1;     // each rank reads its own shard
  int prefetch = 4;            // batches prepared ahead (0: synchronous)
  int64_t crop_padding = 0;    // random crop after zero-padding (0: off)
  bool random_flip = false;    // horizontal flip with probability 1/2
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions opt);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  // Starts an epoch (reshuffled with (seed, epoch)); then next() until empty.
  void start_epoch(int64_t epoch);
  std::optional<Batch> next();
  int64_t batches_per_epoch() const;
  int64_t examples_per_epoch() const;

 private:
  Batch make_batch(int64_t b) const;
  void stop_worker();

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions opt_;
  std::vector<int64_t> order_;  // this rank's indices for the current epoch
  int64_t epoch_ = 0, next_batch_ = 0;
  bool started_ = false;  // start_epoch() has been called
  // prefetching
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> ready_;
  int64_t produced_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// Random crop (with zero padding) and horizontal flip of an [N, C, H, W]
// batch, deterministic in (seed, key).
Tensor augment(const Tensor& images, int64_t crop_padding, bool flip, uint64_t seed, uint64_t key);

}  // namespace tern::data
