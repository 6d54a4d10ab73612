// One data-parallel training iteration with gradient all-reduces overlapped
// with the backward pass, as PyTorch DDP and Horovod do it: gradients are
// packed into buckets in the order backward produces them (last layer
// first); a bucket's all-reduce starts once its last gradient is ready and
// the previous bucket's all-reduce is done (one communication stream). The
// exposed communication overhead is how long the iteration runs past the end
// of the backward pass.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace tern::distributed::netsim {

// A layer as a model description gives it (tern/nn/describe.h), kept free
// of the nn library so that any workload can be fed in.
struct LayerWork {
  std::string name;
  double forward_flops_per_sample = 0;
  int64_t parameters = 0;
};

struct BackwardLayer {
  std::string name;
  double seconds = 0;     // this layer's backward time
  double grad_bytes = 0;  // its gradient
};

// Backward pass in backward order (last layer first): backward FLOPs are
// taken as 2x forward (input and weight gradients), times batch_per_device,
// at device_flops per second; gradients are bytes_per_param per parameter.
std::vector<BackwardLayer> backward_pass(const std::vector<LayerWork>& forward_layers, int batch_per_device,
                                         double device_flops, double bytes_per_param = 4);

struct BucketEvent {
  double bytes = 0;
  double ready_s = 0;  // from the start of backward
  double start_s = 0;
  double end_s = 0;
};

struct IterationTimeline {
  double backward_s = 0;
  double comm_s = 0;     // sum of all-reduce times
  double exposed_s = 0;  // past the end of backward
  std::vector<BucketEvent> buckets;
};

// allreduce_seconds(bytes) gives one all-reduce's time (a netsim schedule).
IterationTimeline simulate_overlapped_backward(const std::vector<BackwardLayer>& backward, double bucket_bytes,
                                               const std::function<double(double)>& allreduce_seconds);

}  // namespace tern::distributed::netsim
