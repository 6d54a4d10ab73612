#include "tern/distributed/compress/threelc.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/distributed/compress/threelc_kernels.h"
#include "tern/distributed/compress/zero_run.h"

namespace tern::distributed::compress::threelc {

namespace {

// Below this many elements per thread, threads cost more than they save.
constexpr int64_t kMinElementsPerThread = int64_t{1} << 17;
// Groups quantised per step into an L1-resident buffer before run encoding.
constexpr int64_t kBlockGroups = 4096;
// Chunks start at multiples of this many groups (80 floats: whole vectors).
constexpr int64_t kGroupAlign = 16;

int chunk_count(int64_t n) {
  const int64_t by_size = n / kMinElementsPerThread;
  return static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(num_threads(), by_size), 1, 1 << 12));
}

float float_of(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Quantises groups [g, g + m) into dst (m bytes). The last group of a tensor
// whose size is not a multiple of 5 is padded with zeros (digit 1).
void quantize_groups(const Kernels& k, const float* x, float* e, int64_t n, int64_t g, int64_t m,
                     float S, uint8_t* dst) {
  const int64_t full = std::min<int64_t>(g + m, n / 5) - g;  // whole groups in range
  if (full > 0) k.quantize(x + 5 * g, e + 5 * g, 5 * full, S, dst);
  if (full < m) {  // the padded last group
    const int64_t at = 5 * (g + full);
    float xs[5] = {}, es[5] = {};
    std::copy(x + at, x + n, xs);
    std::copy(e + at, e + n, es);
    kernels(Isa::kScalar).quantize(xs, es, 5, S, dst + full);
    std::copy(es, es + (n - at), e + at);
  }
}

struct ChunkResult {
  int64_t head = 0, tail = 0;
  bool any = false;
  std::span<const uint8_t> body;
};

}  // namespace

void encode(std::span<const float> src, std::span<float> error, const Options& opt,
            std::vector<uint8_t>& out) {
  TERN_CHECK(error.size() == src.size(), "3lc encode: error buffer has ", error.size(),
             " elements, tensor has ", src.size());
  TERN_CHECK(opt.sparsity >= 1.0f && opt.sparsity < 2.0f, "3lc: sparsity multiplier s must be in [1, 2), given ",
             opt.sparsity);
  const int64_t n = static_cast<int64_t>(src.size());
  const int64_t groups = (n + 4) / 5;
  const float* x = src.data();
  float* e = error.data();
  const Kernels& k = kernels(active_isa());
  const int chunks = chunk_count(n);

  // Pass 1: M = max|x + e|, on bit patterns (exact, order-free).
  std::vector<uint32_t> part(chunks, 0);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = n * c / chunks, en = n * (c + 1) / chunks;
      part[c] = k.max_abs_bits(x + b, e + b, en - b);
    }
  });
  const uint32_t mbits = *std::max_element(part.begin(), part.end());
  TERN_CHECK(mbits < 0x7f800000u, "3lc encode: the tensor plus its error buffer holds a NaN or infinity");
  const float M = float_of(mbits);
  const float S = M * opt.sparsity;
  TERN_CHECK(std::isfinite(S), "3lc encode: S = max|y| * s overflows float32 (max|y| = ", M, ")");
  // M = 0 quantises everything to zero; S = inf does exactly that in the kernels.
  const float S_kernel = M == 0.0f ? INFINITY : S;

  out.resize(static_cast<size_t>(max_stream_size(n)));
  std::memcpy(out.data(), &S, 4);
  uint8_t* body = out.data() + 4;

  // Pass 2: quantise, update e, base-3 pack, and zero-run encode, in chunks
  // that start at group boundaries; each chunk writes inside its own region
  // body[gb, ge) so chunks never touch each other's bytes.
  auto bounds = [&](int64_t c) {
    const int64_t per = (groups + chunks - 1) / chunks;
    const int64_t aligned = (per + kGroupAlign - 1) / kGroupAlign * kGroupAlign;
    return std::pair{std::min(groups, c * aligned), std::min(groups, (c + 1) * aligned)};
  };
  std::vector<ChunkResult> res(chunks);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const auto [gb, ge] = bounds(c);
      if (!opt.zero_run) {
        quantize_groups(k, x, e, n, gb, ge - gb, S_kernel, body + gb);
        continue;
      }
      RunEncoder enc(body + gb);
      uint8_t block[kBlockGroups];
      for (int64_t g = gb; g < ge; g += kBlockGroups) {
        const int64_t m = std::min(kBlockGroups, ge - g);
        quantize_groups(k, x, e, n, g, m, S_kernel, block);
        enc.feed(block, m, k.nonzero_mask64);
      }
      res[c] = {enc.head(), enc.tail(), enc.any(), enc.body()};
    }
  });
  if (!opt.zero_run) return;

  // Stitch: runs that cross chunk boundaries are merged, so the stream is
  // the one a single pass writes. The write position never passes the start
  // of the body being moved (an encoding is never longer than its groups).
  uint8_t* w = body;
  int64_t carry = 0;
  for (const auto& r : res) {
    if (!r.any) {
      carry += r.head;
      continue;
    }
    w = put_run(w, carry + r.head);
    std::memmove(w, r.body.data(), r.body.size());
    w += r.body.size();
    carry = r.tail;
  }
  w = put_run(w, carry);
  out.resize(static_cast<size_t>(w - out.data()));
}

void decode(std::span<const uint8_t> stream, std::span<float> dst) {
  const int64_t n = static_cast<int64_t>(dst.size());
  const int64_t groups = (n + 4) / 5;
  TERN_CHECK(stream.size() >= 4, "3lc stream truncated: need 4 bytes for S, given ", stream.size());
  float S;
  std::memcpy(&S, stream.data(), 4);
  TERN_CHECK(std::isfinite(S) && !std::signbit(S), "3lc stream corrupted: S must be finite and >= 0, given ", S);
  const uint8_t* bytes = stream.data() + 4;
  const int64_t len = static_cast<int64_t>(stream.size()) - 4;

  // Split the bytes among threads; count each part's groups, so every
  // thread knows where its output starts, and check the total first.
  const int chunks = static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(chunk_count(n), len / 4096), 1, 1 << 12));
  std::vector<int64_t> start(chunks + 1, 0);
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = len * c / chunks, en = len * (c + 1) / chunks;
      start[c + 1] = count_groups(bytes + b, en - b);
    }
  });
  for (int c = 0; c < chunks; ++c) start[c + 1] += start[c];
  TERN_CHECK(start[chunks] == groups, "3lc stream ", start[chunks] < groups ? "truncated" : "too long",
             ": it encodes ", start[chunks], " groups of 5, expected ", groups, " for ", n,
             " elements (", stream.size(), " bytes)");
  if (n % 5 != 0) {
    // The last byte is the last group: a literal must have zero padding digits.
    const uint8_t last = bytes[len - 1];
    if (last < 243) {
      int pad_value = 0, pow3 = 1;
      for (int j = 4; j >= static_cast<int>(n % 5); --j) {
        pad_value += ((last / pow3) % 3 == 1) ? 0 : 1;
        pow3 *= 3;
      }
      TERN_CHECK(pad_value == 0, "3lc stream corrupted: the padding of the last group is not zero (byte ",
                 int{last}, ")");
    }
  }

  alignas(64) float lut[243][8];
  build_lut(S, lut);
  const Kernels& k = kernels(active_isa());
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = len * c / chunks, en = len * (c + 1) / chunks;
      const int64_t limit = std::min(n, 5 * start[c + 1]);
      k.expand(bytes + b, en - b, lut, dst.data(), start[c], limit);
    }
  });
}

}  // namespace tern::distributed::compress::threelc
