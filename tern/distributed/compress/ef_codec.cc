#include "tern/distributed/compress/ef_codec.h"

#include <cmath>
#include <vector>

#include "tern/base/error.h"

namespace tern::distributed::compress::detail {

void EfCodec::encode(std::span<const float> src, CodecState& state, std::vector<uint8_t>& out,
                     MatrixShape) const {
  fit_state(state, src.size(), ef_);
  if (!ef_) {
    encode_values(src, state.step, out);
    ++state.step;
    return;
  }
  // A per-thread scratch: a fresh 64 MB buffer per call would cost more in
  // page faults than most of these codecs spend encoding.
  thread_local std::vector<float> scratch;
  scratch.resize(src.size());
  std::span<float> y(scratch.data(), src.size());
  for (size_t i = 0; i < y.size(); ++i) y[i] = src[i] + state.error[i];
  encode_values(y, state.step, out);
  // The residual is what the receiver will not see: y minus its decoding.
  decode(out, state.error);
  for (size_t i = 0; i < y.size(); ++i) state.error[i] = y[i] - state.error[i];
  ++state.step;
}

float checked_max_abs(std::span<const float> v, const char* codec) {
  float m = 0.0f;
  bool finite = true;
  for (float f : v) {
    finite &= std::isfinite(f);
    m = std::max(m, std::fabs(f));
  }
  TERN_CHECK(finite, codec, " encode: the input (plus error buffer) holds a NaN or infinity");
  return m;
}

}  // namespace tern::distributed::compress::detail
