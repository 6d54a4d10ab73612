// Unbiased stochastic quantisers: TernGrad (Wen et al., NeurIPS 2017) and
// QSGD (Alistarh et al., NeurIPS 2017). Randomness comes from Philox keyed
// by (seed, step), so a run is reproducible.
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <sstream>

#include "tern/base/error.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/byte_io.h"
#include "tern/distributed/compress/ef_codec.h"

namespace tern::distributed::compress::detail {

namespace {

// Uniforms in [0, 1) for element i, one Philox block per 4 elements (the
// same numbers as Philox::uniform(key, i), a quarter of the work).
class Uniforms {
 public:
  explicit Uniforms(uint64_t key) : key_(key) {}
  float operator()(uint64_t i) {
    if ((i >> 2) != block_index_) {
      block_index_ = i >> 2;
      block_ = Philox::block(key_, block_index_);
    }
    return static_cast<float>(block_[i & 3] >> 8) * (1.0f / 16777216.0f);
  }

 private:
  uint64_t key_;
  uint64_t block_index_ = ~uint64_t{0};
  std::array<uint32_t, 4> block_{};
};

// [f32 scale][2-bit codes, 4 per byte, LSB first]: 0 -> 0, 1 -> +scale,
// 2 -> -scale (3 never appears). scale = max|y|; P(nonzero) = |y|/scale.
class TernGradCodec final : public EfCodec {
 public:
  TernGradCodec(uint64_t seed, bool ef)
      : EfCodec("terngrad seed=" + std::to_string(seed) + (ef ? " ef=1" : ""), ef), seed_(seed) {}

  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader r(stream, "terngrad");
    const float scale = r.get<float>("the scale");
    auto b = r.take(packed_bytes(dst.size(), 2), "the 2-bit codes");
    r.expect_end();
    TERN_CHECK(std::isfinite(scale) && scale >= 0.0f,
               "terngrad stream corrupted: scale must be finite and >= 0, given ", scale);
    BitReader bits(b);
    for (size_t i = 0; i < dst.size(); ++i) {
      const uint32_t c = bits.read(2);
      TERN_CHECK(c != 3, "terngrad stream corrupted: code 3 at element ", i);
      dst[i] = c == 0 ? 0.0f : (c == 1 ? scale : -scale);
    }
    TERN_CHECK(bits.padding_is_zero(), "terngrad stream corrupted: non-zero padding bits");
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 4 + (n + 3) / 4; }

 protected:
  void encode_values(std::span<const float> y, uint64_t step, std::vector<uint8_t>& out) const override {
    const float scale = checked_max_abs(y, "terngrad");
    out.clear();
    put(out, scale);
    Uniforms u(step_seed(seed_, step));
    BitWriter w(out);
    for (size_t i = 0; i < y.size(); ++i) {
      const bool keep = scale > 0.0f && u(i) < std::fabs(y[i]) / scale;
      w.write(keep ? (y[i] > 0.0f ? 1u : 2u) : 0u, 2);
    }
    w.flush();
  }

 private:
  uint64_t seed_;
};

// [f32 norm][codes of 1 + bits(s) bits: level l in 0..s, then a sign bit].
// value = norm * sign * l / s with l = floor(s|y|/norm + u), u ~ U[0,1).
class QsgdCodec final : public EfCodec {
 public:
  QsgdCodec(int levels, uint64_t seed, bool ef)
      : EfCodec("qsgd s=" + std::to_string(levels) + " seed=" + std::to_string(seed) + (ef ? " ef=1" : ""), ef),
        levels_(levels),
        level_bits_(std::bit_width(static_cast<unsigned>(levels))),
        seed_(seed) {}

  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    ByteReader r(stream, "qsgd");
    const float norm = r.get<float>("the norm");
    const int bits = level_bits_ + 1;
    auto b = r.take(packed_bytes(dst.size(), bits), "the codes");
    r.expect_end();
    TERN_CHECK(std::isfinite(norm) && norm >= 0.0f, "qsgd stream corrupted: norm must be finite and >= 0, given ",
               norm);
    BitReader br(b);
    const float unit = norm / static_cast<float>(levels_);
    for (size_t i = 0; i < dst.size(); ++i) {
      const uint32_t c = br.read(bits);
      const uint32_t level = c >> 1, neg = c & 1;
      TERN_CHECK(level <= static_cast<uint32_t>(levels_), "qsgd stream corrupted: level ", level,
                 " at element ", i, " exceeds s = ", levels_);
      TERN_CHECK(level != 0 || neg == 0, "qsgd stream corrupted: negative zero code at element ", i);
      const float v = static_cast<float>(level) * unit;
      dst[i] = neg ? -v : v;
    }
    TERN_CHECK(br.padding_is_zero(), "qsgd stream corrupted: non-zero padding bits");
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override {
    return 4 + static_cast<int64_t>(packed_bytes(n, level_bits_ + 1));
  }

 protected:
  void encode_values(std::span<const float> y, uint64_t step, std::vector<uint8_t>& out) const override {
    checked_max_abs(y, "qsgd");
    double sq = 0.0;
    for (float v : y) sq += double{v} * v;
    const float norm = static_cast<float>(std::sqrt(sq));
    out.clear();
    put(out, norm);
    Uniforms u(step_seed(seed_, step));
    BitWriter w(out);
    for (size_t i = 0; i < y.size(); ++i) {
      uint32_t level = 0;
      if (norm > 0.0f) {
        const float scaled = static_cast<float>(levels_) * std::fabs(y[i]) / norm;
        level = static_cast<uint32_t>(std::min<float>(levels_, std::floor(scaled + u(i))));
      }
      w.write((level << 1) | (level != 0 && y[i] < 0.0f ? 1u : 0u), level_bits_ + 1);
    }
    w.flush();
  }

 private:
  int levels_;
  int level_bits_;
  uint64_t seed_;
};

}  // namespace

std::unique_ptr<Codec> make_terngrad(const Args& args) {
  return std::make_unique<TernGradCodec>(static_cast<uint64_t>(args.get_int("seed", 0, {.min = 0})), args.get_bool("ef", false));
}

std::unique_ptr<Codec> make_qsgd(const Args& args) {
  const int64_t s = args.get_int("s", 4);
  TERN_CHECK(s >= 1 && s <= (1 << 20), "qsgd: s (number of levels) must be in [1, 2^20], given ", s);
  return std::make_unique<QsgdCodec>(static_cast<int>(s), static_cast<uint64_t>(args.get_int("seed", 0, {.min = 0})),
                                     args.get_bool("ef", false));
}

}  // namespace tern::distributed::compress::detail
