#include "tern/data/loader.h"

#include <algorithm>
#include <cstring>

#include "tern/base/philox.h"
#include "tern/base/timer.h"

namespace tern::data {

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, LoaderOptions opt)
    : dataset_(std::move(dataset)), opt_(opt) {
  TERN_CHECK(opt_.batch_size > 0, "batch size must be positive, got ", opt_.batch_size);
  TERN_CHECK(opt_.world > 0 && opt_.rank >= 0 && opt_.rank < opt_.world, "DataLoader: rank ", opt_.rank,
             " outside world of ", opt_.world);
  TERN_CHECK(opt_.workers >= 1 && opt_.workers <= kMaxLoaderWorkers, "DataLoader: workers must be in [1, ",
             kMaxLoaderWorkers, "], given ", opt_.workers);
  TERN_CHECK(dataset_->size() >= opt_.world, "DataLoader: dataset of ", dataset_->size(), " examples cannot be split over ",
             opt_.world, " ranks");
}

DataLoader::~DataLoader() { stop_worker(); }

void DataLoader::stop_worker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  stop_ = false;
  ready_.clear();
}

int64_t DataLoader::examples_per_epoch() const { return dataset_->size() / opt_.world; }

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = examples_per_epoch();
  return opt_.drop_last ? n / opt_.batch_size : (n + opt_.batch_size - 1) / opt_.batch_size;
}

void DataLoader::start_epoch(int64_t epoch) {
  stop_worker();
  started_ = true;
  epoch_ = epoch;
  next_batch_ = 0;
  next_to_make_ = 0;
  wait_seconds_ = 0;
  error_ = nullptr;
  const int64_t n = dataset_->size();
  std::vector<int64_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[i] = i;
  if (opt_.shuffle) {  // Fisher-Yates driven by Philox(seed, epoch)
    const uint64_t key = opt_.seed * 1000003ull + static_cast<uint64_t>(epoch);
    for (int64_t i = n - 1; i > 0; --i) {
      const uint64_t r = (uint64_t{Philox::bits(key, 2 * i)} << 32) | Philox::bits(key, 2 * i + 1);
      std::swap(all[i], all[static_cast<int64_t>(r % static_cast<uint64_t>(i + 1))]);
    }
  }
  // Equal shards: every rank takes the same number of examples.
  const int64_t per = examples_per_epoch();
  order_.assign(all.begin() + opt_.rank * per, all.begin() + (opt_.rank + 1) * per);
  if (opt_.prefetch <= 0) return;
  const int64_t total = batches_per_epoch();
  auto work = [this, total] {
    for (;;) {
      int64_t b;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] {
          return stop_ || error_ || next_to_make_ >= total || next_to_make_ < next_batch_ + opt_.prefetch;
        });
        if (stop_ || error_ || next_to_make_ >= total) return;
        b = next_to_make_++;
      }
      Batch batch;
      try {
        batch = make_batch(b);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu_);
        if (!error_) error_ = std::current_exception();
        cv_.notify_all();
        return;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_) return;
      ready_.emplace(b, std::move(batch));
      cv_.notify_all();
    }
  };
  const int64_t threads = std::min<int64_t>({opt_.workers, opt_.prefetch, std::max<int64_t>(total, 1)});
  for (int64_t t = 0; t < threads; ++t) workers_.emplace_back(work);
}

Batch DataLoader::make_batch(int64_t b) const {
  const int64_t begin = b * opt_.batch_size;
  const int64_t end = std::min<int64_t>(begin + opt_.batch_size, static_cast<int64_t>(order_.size()));
  std::vector<int64_t> idx(order_.begin() + begin, order_.begin() + end);
  Batch batch = dataset_->get(idx);
  if (opt_.crop_padding > 0 || opt_.random_flip)
    batch.inputs = augment(batch.inputs, opt_.crop_padding, opt_.random_flip, opt_.seed + 7,
                           static_cast<uint64_t>(epoch_) * 1000003ull + static_cast<uint64_t>(b));
  return batch;
}

std::optional<Batch> DataLoader::next() {
  TERN_CHECK(started_, "DataLoader::next: call start_epoch(epoch) first");
  if (next_batch_ >= batches_per_epoch()) return std::nullopt;
  Timer waited;
  if (opt_.prefetch <= 0) {
    Batch b = make_batch(next_batch_++);
    wait_seconds_ += waited.seconds();
    return b;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return ready_.count(next_batch_) || error_; });
  if (error_) std::rethrow_exception(error_);
  auto it = ready_.find(next_batch_);
  Batch b = std::move(it->second);
  ready_.erase(it);
  ++next_batch_;
  wait_seconds_ += waited.seconds();
  cv_.notify_all();
  return b;
}

Tensor augment(const Tensor& images, int64_t pad, bool flip, uint64_t seed, uint64_t key) {
  TERN_CHECK(images.dim() == 4 && images.dtype() == DType::f32, "augment: expected f32 [N, C, H, W], got ",
             shape_str(images.shape()));
  const int64_t n = images.shape()[0], c = images.shape()[1], h = images.shape()[2], w = images.shape()[3];
  Tensor out = Tensor::empty(images.shape());
  const float* src = images.data<float>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t r = Philox::bits(seed ^ (key * 0x9E3779B97F4A7C15ull), static_cast<uint64_t>(i));
    const int64_t span = 2 * pad + 1;
    const int64_t dy = pad ? static_cast<int64_t>(r % span) - pad : 0;
    const int64_t dx = pad ? static_cast<int64_t>((r / span) % span) - pad : 0;
    const bool mirror = flip && ((r >> 20) & 1);
    for (int64_t ch = 0; ch < c; ++ch) {
      const float* s = src + (i * c + ch) * h * w;
      float* d = dst + (i * c + ch) * h * w;
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int64_t sy = y + dy, sx0 = x + dx;
          const int64_t sx = mirror ? w - 1 - sx0 : sx0;
          d[y * w + x] = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? s[sy * w + sx] : 0.0f;
        }
    }
  }
  return out;
}

}  // namespace tern::data
