#include "tern/distributed/ddp/data_parallel.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "tern/base/timer.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ddp {

DataParallel::DataParallel(comm::Communicator& comm, nn::Module& model, DdpOptions options)
    : comm_(comm), options_(std::move(options)) {
  TERN_CHECK(options_.bucket_bytes > 0, "bucket size must be positive, got ", options_.bucket_bytes, " bytes");
  const nn::NamedTensors params = model.named_parameters();
  // Reverse order: backward reaches the last layers first.
  for (auto it = params.rbegin(); it != params.rend(); ++it) {
    const int64_t id = static_cast<int64_t>(params.rend() - it) - 1;
    const Tensor& p = it->second;
    TERN_CHECK(p.dtype() == DType::f32, "data-parallel training needs float32 parameters; ", it->first, " is ",
               dtype_name(p.dtype()));
    if (buckets_.empty() || static_cast<int64_t>(buckets_.back().buffer.size() * 4) >= options_.bucket_bytes)
      buckets_.emplace_back();
    Bucket& b = buckets_.back();
    const int64_t rows = p.dim() >= 2 ? p.shape()[0] : 1;
    b.layout.push_back({id, static_cast<int64_t>(b.buffer.size()), p.numel(), rows, p.numel() / std::max<int64_t>(rows, 1)});
    b.slots.push_back({p, static_cast<int64_t>(b.buffer.size()), p.numel(), false});
    b.buffer.resize(b.buffer.size() + p.numel());
  }
  claim_parameters(true);
  for (size_t bi = 0; bi < buckets_.size(); ++bi)
    for (size_t si = 0; si < buckets_[bi].slots.size(); ++si) {
      Slot& s = buckets_[bi].slots[si];
      s.hook = s.param.register_grad_hook([this, bi, si](const Tensor& grad) { on_grad_ready(bi, si, grad); });
    }
  prepare_step();
  thread_ = std::thread([this] { comm_loop(); });
}

DataParallel::~DataParallel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (Bucket& b : buckets_)
    for (Slot& s : b.slots) s.param.remove_grad_hook(s.hook);
  claim_parameters(false);
}

void DataParallel::claim_parameters(bool claim) {
  // The parameters (their TensorImpl) under a live DataParallel, process-wide.
  static std::mutex claimed_mu;
  static std::set<const void*> claimed;
  std::lock_guard<std::mutex> lock(claimed_mu);
  for (const Bucket& b : buckets_)
    for (const Slot& s : b.slots) {
      if (!claim) {
        claimed.erase(s.param.impl());
        continue;
      }
      TERN_CHECK(!claimed.count(s.param.impl()),
                 "this model's parameters are already under another DataParallel (one wrapper per model: delete the ",
                 "old one first)");
    }
  if (claim)
    for (const Bucket& b : buckets_)
      for (const Slot& s : b.slots) claimed.insert(s.param.impl());
}

void DataParallel::prepare_step() {
  std::lock_guard<std::mutex> lock(mu_);
  TERN_CHECK(queue_.empty(), "prepare_step while buckets are still being reduced");
  for (Bucket& b : buckets_) {
    b.pending = static_cast<int64_t>(b.slots.size());
    b.reduced = false;
    for (Slot& s : b.slots) s.ready = false;
  }
  next_launch_ = 0;
}

void DataParallel::on_grad_ready(size_t bi, size_t si, const Tensor& grad) {
  if (!active_) return;
  Bucket& b = buckets_[bi];
  Slot& s = b.slots[si];
  if (s.ready) return;  // a second backward in one step: the first one's gradient is already in the bucket
  const Tensor g = grad.is_contiguous() && grad.dtype() == DType::f32 ? grad : contiguous(cast(grad, DType::f32));
  std::memcpy(b.buffer.data() + s.offset, g.data<float>(), s.numel * sizeof(float));
  std::lock_guard<std::mutex> lock(mu_);
  s.ready = true;
  --b.pending;
  if (options_.overlap) launch_ready_buckets();
}

void DataParallel::launch_ready_buckets() {
  bool launched = false;
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    queue_.push_back(next_launch_++);
    launched = true;
  }
  if (launched) cv_.notify_all();
}

void DataParallel::finish_step() {
  Timer waited;
  {
    std::unique_lock<std::mutex> lock(mu_);
    // Parameters that got no gradient this step take part with zeros.
    for (Bucket& b : buckets_)
      for (Slot& s : b.slots)
        if (!s.ready) {
          std::fill_n(b.buffer.data() + s.offset, s.numel, 0.0f);
          s.ready = true;
          --b.pending;
        }
    launch_ready_buckets();
    cv_.wait(lock, [this] {
      return error_ || std::all_of(buckets_.begin(), buckets_.end(), [](const Bucket& b) { return b.reduced; });
    });
    if (error_) std::rethrow_exception(error_);
  }
  exposed_seconds_ += waited.seconds();
  const float scale = 1.0f / static_cast<float>(comm_.size());
  for (Bucket& b : buckets_)
    for (Slot& s : b.slots) {
      Tensor g = Tensor::empty(s.param.shape(), DType::f32);
      float* dst = g.data<float>();
      const float* src = b.buffer.data() + s.offset;
      for (int64_t i = 0; i < s.numel; ++i) dst[i] = src[i] * scale;
      s.param.set_grad(g);
    }
}

void DataParallel::reduce(Bucket& b) {
  std::span<float> data(b.buffer);
  if (options_.reduce_bucket) options_.reduce_bucket(comm_, data, b.layout);
  else if (options_.allreduce) options_.allreduce(comm_, data);
  else collectives::allreduce(comm_, data, options_.algorithm);
}

void DataParallel::comm_loop() {
  for (;;) {
    size_t index;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      index = queue_.front();
    }
    try {
      reduce(buckets_[index]);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
      queue_.clear();
      cv_.notify_all();
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    queue_.pop_front();
    buckets_[index].reduced = true;
    cv_.notify_all();
  }
}

}  // namespace tern::distributed::ddp
