// Element-wise codecs: none (fp32), fp16 and scaled int8.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

#include "tern/base/error.h"
#include "tern/distributed/compress/byte_io.h"
#include "tern/distributed/compress/ef_codec.h"
#include "tern/core/half.h"

namespace tern::distributed::compress::detail {

namespace {

class NoneCodec final : public EfCodec {
 public:
  NoneCodec() : EfCodec("none", false) {}
  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader r(stream, "none");
    auto b = r.take(dst.size_bytes(), "the float32 values");
    r.expect_end();
    if (!b.empty()) std::memcpy(dst.data(), b.data(), b.size());
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 4 * n; }

 protected:
  void encode_values(std::span<const float> y, uint64_t, std::vector<uint8_t>& out) const override {
    out.clear();
    put_array(out, y);
  }
};

class Fp16Codec final : public EfCodec {
 public:
  explicit Fp16Codec(bool ef) : EfCodec(ef ? "fp16 ef=1" : "fp16", ef) {}
  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader r(stream, "fp16");
    auto b = r.take(2 * dst.size(), "the float16 values");
    r.expect_end();
    for (size_t i = 0; i < dst.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, b.data() + 2 * i, 2);
      dst[i] = half_to_float(h);
    }
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 2 * n; }

 protected:
  void encode_values(std::span<const float> y, uint64_t, std::vector<uint8_t>& out) const override {
    out.resize(2 * y.size());
    for (size_t i = 0; i < y.size(); ++i) {
      const uint16_t h = float_to_half(y[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
};

// [f32 scale][n x int8], value = q * scale, scale = max|y| / 127.
class Int8Codec final : public EfCodec {
 public:
  explicit Int8Codec(bool ef) : EfCodec(ef ? "int8 ef=1" : "int8", ef) {}
  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader r(stream, "int8");
    const float scale = r.get<float>("the scale");
    auto b = r.take(dst.size(), "the int8 values");
    r.expect_end();
    TERN_CHECK(std::isfinite(scale) && scale >= 0.0f, "int8 stream corrupted: scale must be finite and >= 0, given ",
               scale);
    for (size_t i = 0; i < dst.size(); ++i) {
      const int8_t q = static_cast<int8_t>(b[i]);
      TERN_CHECK(q != -128, "int8 stream corrupted: value -128 at element ", i, " (codes are -127..127)");
      dst[i] = static_cast<float>(q) * scale;
    }
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 4 + n; }

 protected:
  void encode_values(std::span<const float> y, uint64_t, std::vector<uint8_t>& out) const override {
    const float m = checked_max_abs(y, "int8");
    const float scale = m / 127.0f;
    out.resize(4 + y.size());
    std::memcpy(out.data(), &scale, 4);
    const float inv = scale > 0.0f ? 1.0f / scale : 0.0f;
    // Adding and removing 1.5 * 2^23 rounds |v| <= 127 to the nearest
    // integer, ties to even, without a libm call (as nearbyint would).
    constexpr float kRound = 12582912.0f;
    for (size_t i = 0; i < y.size(); ++i) {
      const float v = std::min(127.0f, std::max(-127.0f, y[i] * inv));
      out[4 + i] = static_cast<uint8_t>(static_cast<int8_t>((v + kRound) - kRound));
    }
  }
};

}  // namespace

std::unique_ptr<Codec> make_none(const Args&) { return std::make_unique<NoneCodec>(); }
std::unique_ptr<Codec> make_fp16(const Args& args) {
  return std::make_unique<Fp16Codec>(args.get_bool("ef", false));
}
std::unique_ptr<Codec> make_int8(const Args& args) {
  return std::make_unique<Int8Codec>(args.get_bool("ef", false));
}

}  // namespace tern::distributed::compress::detail
