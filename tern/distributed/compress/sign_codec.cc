// EF-signSGD (Karimireddy et al., "Error Feedback Fixes SignSGD", ICML
// 2019): one bit per element, scaled by mean|y|, with error feedback.
// Stream: [f32 scale][ceil(n/8) bytes, bit i set for y_i >= 0, LSB first].
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tern/base/error.h"
#include "tern/distributed/compress/byte_io.h"
#include "tern/distributed/compress/ef_codec.h"

namespace tern::distributed::compress::detail {

namespace {

class SignCodec final : public EfCodec {
 public:
  explicit SignCodec(bool ef) : EfCodec(ef ? "sign" : "sign ef=0", ef) {}

  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader r(stream, "sign");
    const float scale = r.get<float>("the scale");
    auto b = r.take(packed_bytes(dst.size(), 1), "the sign bits");
    r.expect_end();
    TERN_CHECK(std::isfinite(scale) && scale >= 0.0f, "sign stream corrupted: scale must be finite and >= 0, given ",
               scale);
    const size_t n = dst.size();
    for (size_t byte = 0; byte * 8 < n; ++byte) {
      const size_t end = std::min(n, byte * 8 + 8);
      for (size_t i = byte * 8; i < end; ++i) dst[i] = (b[byte] >> (i % 8)) & 1 ? scale : -scale;
    }
    if (dst.size() % 8 != 0)
      TERN_CHECK((b.back() >> (dst.size() % 8)) == 0, "sign stream corrupted: non-zero padding bits");
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 4 + (n + 7) / 8; }

 protected:
  void encode_values(std::span<const float> y, uint64_t, std::vector<uint8_t>& out) const override {
    checked_max_abs(y, "sign");
    double l1 = 0.0;
    for (float v : y) l1 += std::fabs(v);
    const float scale = y.empty() ? 0.0f : static_cast<float>(l1 / static_cast<double>(y.size()));
    const size_t n = y.size();
    out.resize(4 + (n + 7) / 8);
    std::memcpy(out.data(), &scale, 4);
    for (size_t byte = 0; byte * 8 < n; ++byte) {
      const size_t end = std::min(n, byte * 8 + 8);
      unsigned bits = 0;
      for (size_t i = byte * 8; i < end; ++i) bits |= unsigned{y[i] >= 0.0f} << (i % 8);
      out[4 + byte] = static_cast<uint8_t>(bits);
    }
  }
};

}  // namespace

std::unique_ptr<Codec> make_sign(const Args& args) { return std::make_unique<SignCodec>(args.get_bool("ef", true)); }

}  // namespace tern::distributed::compress::detail
