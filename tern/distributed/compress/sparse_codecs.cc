// Sparsifiers with error feedback: top-k by magnitude (as in Deep Gradient
// Compression, Lin et al., ICLR 2018, without its momentum correction) and
// random-k (Stich et al., "Sparsified SGD with memory", NeurIPS 2018).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "tern/base/error.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/byte_io.h"
#include "tern/distributed/compress/ef_codec.h"

namespace tern::distributed::compress::detail {

namespace {

int64_t pick_k(int64_t n, int64_t k, double ratio) {
  if (k <= 0) k = static_cast<int64_t>(std::ceil(ratio * static_cast<double>(n)));
  return std::clamp<int64_t>(k, n > 0 ? 1 : 0, n);
}

// Reads [u32 k][k x u32 ascending indices][k x f32 values] into dst.
void decode_sparse(std::span<const uint8_t> stream, std::span<float> dst, const char* codec) {
  ByteReader r(stream, codec);
  const uint64_t k = r.get<uint32_t>("k");
  TERN_CHECK(k <= dst.size(), codec, " stream corrupted: k = ", k, " exceeds the ", dst.size(), " elements");
  auto idx = r.take(4 * k, "the indices");
  auto val = r.take(4 * k, "the values");
  r.expect_end();
  std::fill(dst.begin(), dst.end(), 0.0f);
  int64_t prev = -1;
  for (uint64_t j = 0; j < k; ++j) {
    uint32_t i;
    float v;
    std::memcpy(&i, idx.data() + 4 * j, 4);
    std::memcpy(&v, val.data() + 4 * j, 4);
    TERN_CHECK(static_cast<int64_t>(i) > prev && i < dst.size(), codec, " stream corrupted: index ", i, " at entry ",
               j, " is out of order or out of range (", dst.size(), " elements)");
    dst[i] = v;
    prev = i;
  }
}

void encode_sparse(std::span<const float> y, std::vector<uint32_t>& idx, std::vector<uint8_t>& out) {
  std::sort(idx.begin(), idx.end());
  out.clear();
  put(out, static_cast<uint32_t>(idx.size()));
  put_array<uint32_t>(out, idx);
  for (uint32_t i : idx) put(out, y[i]);
}

void check_u32(size_t n, const char* codec) {
  TERN_CHECK(n <= 0xffffffffu, codec, ": tensors of at most 2^32-1 elements, given ", n);
}

class TopKCodec final : public EfCodec {
 public:
  TopKCodec(int64_t k, double ratio, bool ef)
      : EfCodec(k > 0 ? "topk k=" + std::to_string(k) : "topk ratio=" + std::to_string(ratio), ef), k_(k), ratio_(ratio) {}
  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    decode_sparse(stream, dst, "topk");
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 4 + 8 * pick_k(n, k_, ratio_); }

 protected:
  void encode_values(std::span<const float> y, uint64_t, std::vector<uint8_t>& out) const override {
    check_u32(y.size(), "topk");
    checked_max_abs(y, "topk");
    const int64_t n = static_cast<int64_t>(y.size()), k = pick_k(n, k_, ratio_);
    std::vector<uint32_t> idx;
    if (k > 0) {
      // The k-th largest magnitude is the threshold; ties at it are taken
      // in index order so the choice is deterministic.
      std::vector<float> mag(n);
      for (int64_t i = 0; i < n; ++i) mag[i] = std::fabs(y[i]);
      std::nth_element(mag.begin(), mag.begin() + (k - 1), mag.end(), std::greater<float>());
      const float thr = mag[k - 1];
      idx.reserve(k);
      for (int64_t i = 0; i < n; ++i)
        if (std::fabs(y[i]) > thr) idx.push_back(static_cast<uint32_t>(i));
      for (int64_t i = 0; i < n && static_cast<int64_t>(idx.size()) < k; ++i)
        if (std::fabs(y[i]) == thr) idx.push_back(static_cast<uint32_t>(i));
    }
    encode_sparse(y, idx, out);
  }

 private:
  int64_t k_;
  double ratio_;
};

class RandomKCodec final : public EfCodec {
 public:
  RandomKCodec(int64_t k, double ratio, uint64_t seed, bool ef)
      : EfCodec((k > 0 ? "randomk k=" + std::to_string(k) : "randomk ratio=" + std::to_string(ratio)) +
                    " seed=" + std::to_string(seed),
                ef),
        k_(k), ratio_(ratio), seed_(seed) {}
  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    decode_sparse(stream, dst, "randomk");
  }
  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return 4 + 8 * pick_k(n, k_, ratio_); }

 protected:
  void encode_values(std::span<const float> y, uint64_t step, std::vector<uint8_t>& out) const override {
    check_u32(y.size(), "randomk");
    checked_max_abs(y, "randomk");
    const int64_t n = static_cast<int64_t>(y.size()), k = pick_k(n, k_, ratio_);
    // Floyd's sampling: k distinct indices in O(k), from Philox(seed, step).
    const uint64_t key = step_seed(seed_, step);
    std::unordered_set<uint32_t> chosen;
    chosen.reserve(static_cast<size_t>(k) * 2);
    std::vector<uint32_t> idx;
    idx.reserve(k);
    for (int64_t j = n - k, draw = 0; j < n; ++j, ++draw) {
      const uint32_t t = static_cast<uint32_t>((uint64_t{Philox::bits(key, draw)} * uint64_t(j + 1)) >> 32);
      const uint32_t pick = chosen.insert(t).second ? t : static_cast<uint32_t>(j);
      if (pick != t) chosen.insert(pick);
      idx.push_back(pick);
    }
    encode_sparse(y, idx, out);
  }

 private:
  int64_t k_;
  double ratio_;
  uint64_t seed_;
};

}  // namespace

namespace {
void check_sparse_args(const char* codec, const Args& args, int64_t k, double ratio) {
  TERN_CHECK(!args.has("k") || k >= 1, codec, ": k must be >= 1 (leave it out to use ratio), given ", k);
  TERN_CHECK(!(args.has("k") && args.has("ratio")), codec, ": give k or ratio, not both");
  TERN_CHECK(ratio > 0.0 && ratio <= 1.0, codec, ": ratio must be in (0, 1], given ", ratio);
}
}  // namespace

std::unique_ptr<Codec> make_topk(const Args& args) {
  const int64_t k = args.get_int("k", 0);
  const double ratio = args.get_double("ratio", 0.01);
  check_sparse_args("topk", args, k, ratio);
  return std::make_unique<TopKCodec>(k, ratio, args.get_bool("ef", true));
}

std::unique_ptr<Codec> make_randomk(const Args& args) {
  const int64_t k = args.get_int("k", 0);
  const double ratio = args.get_double("ratio", 0.01);
  check_sparse_args("randomk", args, k, ratio);
  return std::make_unique<RandomKCodec>(k, ratio, static_cast<uint64_t>(args.get_int("seed", 0, {.min = 0})),
                                        args.get_bool("ef", true));
}

}  // namespace tern::distributed::compress::detail
