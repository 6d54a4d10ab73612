// The per-tensor codec state one side of a push or pull keeps: one
// CodecState per tensor (and per peer where streams differ), as 3LC
// prescribes, plus the 2-D shape matrix codecs need.
#pragma once
#include <cstdint>
#include <vector>

#include "tern/core/tensor.h"
#include "tern/distributed/compress/codec.h"

namespace tern::distributed::ps {

// A parameter's view for codecs: conv weights [out, in, kh, kw] as out x rest.
inline compress::MatrixShape matrix_shape_of(const Tensor& t) {
  if (t.dim() < 2) return {};
  return {t.shape()[0], t.numel() / t.shape()[0]};
}

// Encodes `src` for tensor `t` with that tensor's state.
class TensorEncoder {
 public:
  TensorEncoder(const compress::Codec& codec, std::vector<compress::MatrixShape> shapes)
      : codec_(codec), shapes_(std::move(shapes)), states_(shapes_.size()) {}
  void encode(int t, std::span<const float> src, std::vector<uint8_t>& out) {
    codec_.encode(src, states_[t], out, shapes_[t]);
  }
  const compress::Codec& codec() const { return codec_; }
  std::vector<compress::CodecState>& states() { return states_; }  // per tensor, for checkpoints

 private:
  const compress::Codec& codec_;
  std::vector<compress::MatrixShape> shapes_;
  std::vector<compress::CodecState> states_;
};

}  // namespace tern::distributed::ps
