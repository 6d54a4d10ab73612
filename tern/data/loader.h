// DataLoader: shuffles (seeded), shards across ranks, applies augmentation,
// and prepares batches on background threads so the training loop never
// waits for data. Batches come out in order whatever the worker count, and
// are the same batches for a given seed.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tern/data/dataset.h"

namespace tern::data {

// Loader threads beyond this only contend for the cores training uses.
inline constexpr int kMaxLoaderWorkers = 8;

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;
  int rank = 0, world = 1;     // each rank reads its own shard
  int prefetch = 4;            // batches prepared ahead (0: synchronous)
  int workers = 1;             // threads preparing them, 1 to kMaxLoaderWorkers
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
  // Seconds spent inside next() since start_epoch(): waiting for a worker,
  // or making the batch when prefetch is 0. What the loader costs a
  // training loop, beyond what overlaps with its steps.
  double wait_seconds() const { return wait_seconds_; }

 private:
  Batch make_batch(int64_t b) const;
  void stop_worker();

  std::shared_ptr<const Dataset> dataset_;
  LoaderOptions opt_;
  std::vector<int64_t> order_;  // this rank's indices for the current epoch
  int64_t epoch_ = 0, next_batch_ = 0;
  bool started_ = false;  // start_epoch() has been called
  double wait_seconds_ = 0;
  // prefetching: workers take batch indices in order (next_to_make_) while
  // fewer than `prefetch` are ahead of the consumer, and file them by index.
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<int64_t, Batch> ready_;
  int64_t next_to_make_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

// Random crop (with zero padding) and horizontal flip of an [N, C, H, W]
// batch, deterministic in (seed, key).
Tensor augment(const Tensor& images, int64_t crop_padding, bool flip, uint64_t seed, uint64_t key);

}  // namespace tern::data
