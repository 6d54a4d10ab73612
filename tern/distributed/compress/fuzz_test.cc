// Bounded-time fuzzing of every decoder: valid streams, truncated, with
// bytes flipped, inserted or appended, decoded for the right and for wrong
// element counts. A decoder must either succeed or throw tern::ValueError;
// anything else (another exception, a crash, an out-of-bounds access under
// -DTERN_SANITIZE=ON) fails. Streams are copied into exact-size heap buffers
// so AddressSanitizer sees any overread.
#include <gtest/gtest.h>

#include <memory>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/codec.h"

namespace tern::distributed::compress {
namespace {

constexpr int kMutationsPerCodec = 2000;  // x 11 codec configurations

struct Outcome {
  int ok = 0, rejected = 0;
};

void decode_exact(const Codec& codec, const std::vector<uint8_t>& stream, size_t n, Outcome& out) {
  auto buf = std::make_unique<uint8_t[]>(stream.size() + 1);  // +1: never zero-sized
  std::copy(stream.begin(), stream.end(), buf.get());
  auto dst = std::make_unique<float[]>(n + 1);
  try {
    codec.decode({buf.get(), stream.size()}, {dst.get(), n});
    ++out.ok;
  } catch (const ValueError& e) {
    ASSERT_GT(std::string(e.what()).size(), 10u);  // a message, not just a type
    ++out.rejected;
  }
}

TEST(DecoderFuzz, EveryCodecRejectsOrDecodesWithoutCrashing) {
  std::vector<std::pair<std::string, CodecArgs>> configs;
  for (const auto& info : codec_registry()) configs.emplace_back(info.name, CodecArgs{});
  configs.emplace_back("3lc", CodecArgs{{{"zero_run", "0"}, {"s", "1.9"}}});
  uint64_t draw = 0;
  auto rnd = [&](uint64_t bound) { return bound == 0 ? 0 : Philox::bits(2024, draw++) % bound; };
  for (const auto& [name, args] : configs) {
    SCOPED_TRACE(name);
    auto codec = make_codec(name, args);
    Outcome outcome;
    for (int m = 0; m < kMutationsPerCodec; ++m) {
      const size_t n = rnd(4) == 0 ? rnd(8) : rnd(400);
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i)
        x[i] = rnd(3) == 0 ? 0.0f : Philox::normal(m, i) * (rnd(2) ? 1.0f : 1e-3f);
      CodecState st;
      std::vector<uint8_t> s;
      codec->encode(x, st, s);
      switch (rnd(6)) {
        case 0:  // truncate
          s.resize(rnd(s.size() + 1));
          break;
        case 1:  // flip bytes
          for (int k = 0, flips = 1 + rnd(4); k < flips && !s.empty(); ++k)
            s[rnd(s.size())] ^= static_cast<uint8_t>(1 + rnd(255));
          break;
        case 2:  // insert a byte
          s.insert(s.begin() + rnd(s.size() + 1), static_cast<uint8_t>(rnd(256)));
          break;
        case 3:  // append garbage
          for (int k = 0, extra = 1 + rnd(16); k < extra; ++k) s.push_back(static_cast<uint8_t>(rnd(256)));
          break;
        case 4:  // pure noise of a plausible length
          for (auto& b : s) b = static_cast<uint8_t>(rnd(256));
          break;
        default:  // valid stream
          break;
      }
      decode_exact(*codec, s, n, outcome);
      if (rnd(4) == 0) decode_exact(*codec, s, n + 1 + rnd(20), outcome);  // wrong count
      if (rnd(4) == 0 && n > 0) decode_exact(*codec, s, rnd(n), outcome);
      if (HasFatalFailure()) return;
    }
    // Both outcomes occur: the fuzzer reaches past the first check.
    EXPECT_GT(outcome.ok, kMutationsPerCodec / 10);
    EXPECT_GT(outcome.rejected, kMutationsPerCodec / 10);
  }
}

// Large 3LC streams take the multi-threaded decoder (per-thread group
// counts, then expansion); corrupt those too.
TEST(DecoderFuzz, ThreadedThreeLcDecoder) {
  const int old = num_threads();
  set_num_threads(2);
  auto codec = make_codec("3lc", {{{"s", "1.9"}}});
  const size_t n = (size_t{1} << 19) + 2;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = Philox::normal(5, i);
  CodecState st;
  std::vector<uint8_t> good;
  codec->encode(x, st, good);
  Outcome outcome;
  for (int m = 0; m < 60; ++m) {
    auto s = good;
    const uint64_t r = Philox::bits(77, m);
    if (m % 3 == 0) s.resize(r % s.size());
    else if (m % 3 == 1) s[4 + r % (s.size() - 4)] = static_cast<uint8_t>(243 + (r >> 40) % 13);
    else s.insert(s.begin() + 4 + r % (s.size() - 4), static_cast<uint8_t>(r >> 40));
    decode_exact(*codec, s, n, outcome);
  }
  set_num_threads(old);
  EXPECT_GT(outcome.rejected, 30);
}

}  // namespace
}  // namespace tern::distributed::compress
