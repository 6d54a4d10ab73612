// DGC's momentum correction (Lin et al., "Deep Gradient Compression", ICLR
// 2018) for parameter-server pushes. With a sparsifying codec and error
// feedback, momentum on the server integrates each element's update only
// when the codec finally sends it, as a stale lump. Instead the worker keeps
// the SGD velocity u = m*u + g per tensor and pushes u through the codec's
// error feedback; an element the push carried restarts its velocity
// (momentum factor masking), and the server steps without momentum.
#pragma once
#include <span>
#include <vector>

#include "tern/distributed/ps/tensor_codec_table.h"

namespace tern::distributed::ps {

class MomentumCorrection {
 public:
  explicit MomentumCorrection(float momentum) : m_(momentum) {}

  // Encodes tensor t's gradient g into `out` through `encoder`.
  void push(TensorEncoder& encoder, int t, std::span<const float> g, std::vector<uint8_t>& out) {
    if (velocity_.size() <= static_cast<size_t>(t)) velocity_.resize(t + 1);
    std::vector<float>& u = velocity_[t];
    u.resize(g.size(), 0.0f);
    for (size_t i = 0; i < g.size(); ++i) u[i] = m_ * u[i] + g[i];
    encoder.encode(t, u, out);
    sent_.resize(u.size());
    encoder.codec().decode(out, sent_);
    for (size_t i = 0; i < u.size(); ++i)
      if (sent_[i] != 0.0f) u[i] = 0.0f;
  }

  std::vector<std::vector<float>>& velocities() { return velocity_; }  // per tensor, for checkpoints

 private:
  float m_;
  std::vector<std::vector<float>> velocity_;  // per tensor
  std::vector<float> sent_;                   // scratch: what a push decodes to
};

}  // namespace tern::distributed::ps
