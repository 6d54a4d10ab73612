#include "tern/distributed/netsim/overlap.h"

#include <algorithm>

#include "tern/base/error.h"

namespace tern::distributed::netsim {

std::vector<BackwardLayer> backward_pass(const std::vector<LayerWork>& forward_layers, int batch_per_device,
                                         double device_flops, double bytes_per_param) {
  TERN_CHECK(batch_per_device >= 1, "batch per device must be >= 1, given ", batch_per_device);
  TERN_CHECK(device_flops > 0, "device speed must be > 0 FLOP/s, given ", device_flops);
  std::vector<BackwardLayer> out;
  for (auto it = forward_layers.rbegin(); it != forward_layers.rend(); ++it)
    out.push_back({it->name, 2.0 * it->forward_flops_per_sample * batch_per_device / device_flops,
                   static_cast<double>(it->parameters) * bytes_per_param});
  return out;
}

IterationTimeline simulate_overlapped_backward(const std::vector<BackwardLayer>& backward, double bucket_bytes,
                                               const std::function<double(double)>& allreduce_seconds) {
  TERN_CHECK(bucket_bytes > 0, "bucket size must be > 0 bytes, given ", bucket_bytes);
  IterationTimeline t;
  double now = 0, filled = 0, comm_free = 0;
  auto flush = [&] {
    if (filled == 0) return;
    BucketEvent b{filled, now, std::max(now, comm_free), 0};
    const double s = allreduce_seconds(filled);
    b.end_s = b.start_s + s;
    t.comm_s += s;
    comm_free = b.end_s;
    t.buckets.push_back(b);
    filled = 0;
  };
  for (const BackwardLayer& layer : backward) {
    now += layer.seconds;
    filled += layer.grad_bytes;
    if (filled >= bucket_bytes) flush();
  }
  flush();
  t.backward_s = now;
  t.exposed_s = std::max(0.0, comm_free - now);
  return t;
}

}  // namespace tern::distributed::netsim
