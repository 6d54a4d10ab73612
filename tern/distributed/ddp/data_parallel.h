// Data-parallel gradient synchronisation (the engine under `--dist
// allreduce`, after PyTorch DDP's design): parameters are grouped into
// buckets of about `bucket_bytes`, in reverse registration order because
// backward produces the last layers' gradients first. A grad-ready hook
// copies each gradient into its bucket; a full bucket is all-reduced on a
// communication thread while backward goes on with earlier layers, so
// communication overlaps computation. finish_step() waits for the last
// bucket and writes the averaged gradients back into .grad.
//
// Buckets are launched strictly in index order, so every rank issues the same
// sequence of collectives. Only this object's thread talks to the
// communicator between prepare_step() and finish_step(); the caller may use
// it at other times (MPI_THREAD_SERIALIZED).
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "tern/distributed/collectives/algorithm.h"
#include "tern/distributed/comm/communicator.h"
#include "tern/nn/module.h"

namespace tern::distributed::ddp {

// All-reduces (sums) a buffer over the communicator.
using AllreduceFn = std::function<void(comm::Communicator&, std::span<float>)>;

// Where one parameter's gradient sits in a bucket, for reducers that need
// shapes (PowerSGD): a matrix view rows x cols (conv weights as out x rest;
// rows = 1 for vectors).
struct BucketSlot {
  int64_t id = 0;  // the parameter's index in named_parameters()
  int64_t offset = 0;
  int64_t numel = 0;
  int64_t rows = 1, cols = 0;
};
// Sums a bucket over the communicator, knowing its layout.
using BucketReduceFn = std::function<void(comm::Communicator&, std::span<float> bucket, std::span<const BucketSlot> slots)>;

struct DdpOptions {
  int64_t bucket_bytes = 1 << 20;
  collectives::Algorithm algorithm = collectives::Algorithm::ring;
  AllreduceFn allreduce;  // overrides `algorithm` when set (e.g. BlueConnect)
  BucketReduceFn reduce_bucket;  // overrides both when set (e.g. PowerSGD)
  bool overlap = true;    // false: all buckets are reduced after backward
};

class DataParallel {
 public:
  // Registers grad-ready hooks on every parameter of `model` (float32 only);
  // the destructor removes them. A parameter already under another live
  // DataParallel is a ValueError: both would reduce it, and their
  // collectives would interleave.
  DataParallel(comm::Communicator& comm, nn::Module& model, DdpOptions options);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  // Before backward: forgets the previous step's buckets.
  void prepare_step();
  // After backward: every bucket reduced, .grad = mean over ranks.
  void finish_step();

  // Inactive, the grad-ready hooks leave gradients alone (local steps of
  // local SGD); call between steps only. Active by default.
  void set_active(bool active) { active_ = active; }
  bool active() const { return active_; }

  int64_t num_buckets() const { return static_cast<int64_t>(buckets_.size()); }
  // Seconds finish_step spent waiting for communication (exposed, not hidden by overlap).
  double exposed_comm_seconds() const { return exposed_seconds_; }

 private:
  struct Slot {
    Tensor param;
    int64_t offset = 0;  // in the bucket's buffer
    int64_t numel = 0;
    bool ready = false;
    uint64_t hook = 0;  // its grad-ready hook's handle
  };
  struct Bucket {
    std::vector<Slot> slots;
    std::vector<BucketSlot> layout;
    std::vector<float> buffer;
    int64_t pending = 0;  // slots still waiting for their gradient
    bool reduced = false;
  };

  void claim_parameters(bool claim);  // checks and marks (or releases) them as under a live DataParallel
  void on_grad_ready(size_t bucket, size_t slot, const Tensor& grad);
  void launch_ready_buckets();  // caller holds mu_
  void comm_loop();
  void reduce(Bucket& b);

  comm::Communicator& comm_;
  DdpOptions options_;
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  bool active_ = true;
  double exposed_seconds_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<size_t> queue_;
  std::exception_ptr error_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tern::distributed::ddp
