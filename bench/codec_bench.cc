// Codec throughput in GB/s of float32 input (Google Benchmark).
//   codec_bench --benchmark_filter=ThreeLc --benchmark_repetitions=5
// 3LC runs on one thread (the target in tern/distributed/compress/README.md: 2^24 elements, encode incl.
// the error-feedback update >= 1.5 GB/s, decode >= 3 GB/s) for every
// instruction-set path the CPU has, and on all threads; every codec runs at
// 2^20 for comparison.
#include <benchmark/benchmark.h>

#include <vector>

#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/compress/threelc.h"
#include "tern/distributed/compress/threelc_kernels.h"

namespace {

using namespace tern::distributed::compress;

const std::vector<float>& gaussian(int64_t n) {
  static std::vector<float> v;
  if (static_cast<int64_t>(v.size()) != n) {
    v.resize(n);
    tern::parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) v[i] = tern::Philox::normal(1, i);
    });
  }
  return v;
}

// range(0): log2 size, range(1): isa (0 scalar, 1 avx2, 2 avx512),
// range(2): threads (0 = all).
void setup(benchmark::State& state) {
  const auto isa = static_cast<threelc::Isa>(state.range(1));
  if (!threelc::isa_supported(isa)) {
    state.SkipWithError("instruction set not supported on this CPU");
    return;
  }
  threelc::force_isa(isa);
  tern::set_num_threads(static_cast<int>(state.range(2)));
  state.SetLabel(std::string(threelc::isa_name(isa)) + " threads=" + std::to_string(tern::num_threads()));
}

void BM_ThreeLcEncode(benchmark::State& state) {
  setup(state);
  const int64_t n = int64_t{1} << state.range(0);
  const auto& x = gaussian(n);
  std::vector<float> e(n, 0.0f);
  std::vector<uint8_t> out;
  // Warm up (error buffer allocated and non-zero); the ratio is that of this
  // second step, the same for every path and iteration count.
  threelc::encode(x, e, {1.0f, true}, out);
  threelc::encode(x, e, {1.0f, true}, out);
  state.counters["ratio"] = 4.0 * n / out.size();
  for (auto _ : state) {
    threelc::encode(x, e, {1.0f, true}, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 4);
  threelc::unforce_isa();
}

void BM_ThreeLcDecode(benchmark::State& state) {
  setup(state);
  const int64_t n = int64_t{1} << state.range(0);
  const auto& x = gaussian(n);
  std::vector<float> e(n, 0.0f), d(n);
  std::vector<uint8_t> out;
  threelc::encode(x, e, {1.0f, true}, out);
  threelc::encode(x, e, {1.0f, true}, out);
  for (auto _ : state) {
    threelc::decode(out, d);
    benchmark::DoNotOptimize(d.data());
  }
  state.SetBytesProcessed(state.iterations() * n * 4);
  threelc::unforce_isa();
}

void ThreeLcArgs(benchmark::internal::Benchmark* b) {
  for (int isa = 0; isa <= 2; ++isa) b->Args({24, isa, 1});
  b->Args({24, 2, 0});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_ThreeLcEncode)->Apply(ThreeLcArgs);
BENCHMARK(BM_ThreeLcDecode)->Apply(ThreeLcArgs);

// range(0): index in the codec registry; 2^20 elements, one thread.
void BM_CodecRoundTrip(benchmark::State& state) {
  const auto& info = codec_registry().entries().at(state.range(0));
  tern::set_num_threads(1);
  const int64_t n = int64_t{1} << 20;
  const auto& x = gaussian(n);
  auto codec = make_codec(info.name);
  CodecState st;
  std::vector<uint8_t> out;
  std::vector<float> d(n);
  for (auto _ : state) {
    codec->encode(x, st, out);
    codec->decode(out, d);
    benchmark::DoNotOptimize(d.data());
  }
  state.SetLabel(info.name);
  state.SetBytesProcessed(state.iterations() * n * 4);
  state.counters["ratio"] = 4.0 * n / out.size();
}
BENCHMARK(BM_CodecRoundTrip)->DenseRange(0, 9)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
