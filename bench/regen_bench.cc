// Regenerating initial weights from (seed, parameter, index) (tern/nn/init.h),
// the w0 Dropback reads at every step, on one thread (Google Benchmark).
//   flock -x /work/.cpu.lock build/tern/nn/regen_bench --benchmark_repetitions=5
// Target (tern/optim/README.md): >= 1e9 weights/s for the uniform
// initialisers of Linear/Conv layers. Chunks of 64 Ki weights (Dropback's
// chunk) stay in L2, so this is the generator's cost, not memory's.
#include <benchmark/benchmark.h>

#include <vector>

#include "tern/base/parallel.h"
#include "tern/nn/init.h"

namespace {

using tern::nn::init::InitSpec;

void run(benchmark::State& state, InitSpec spec) {
  tern::set_num_threads(1);
  const int64_t chunk = state.range(0);
  std::vector<float> dst(chunk);
  int64_t begin = 0;
  for (auto _ : state) {
    tern::nn::init::regenerate(spec, begin, chunk, dst.data());
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
    begin += chunk;
  }
  state.SetItemsProcessed(state.iterations() * chunk);
}

void BM_RegenerateUniform(benchmark::State& state) {
  run(state, {InitSpec::Kind::uniform, -0.0357, 0.0357, 1, 4096});
}
void BM_RegenerateNormal(benchmark::State& state) {
  run(state, {InitSpec::Kind::normal, 0, 0.0589, 1, 4096});
}

BENCHMARK(BM_RegenerateUniform)->Arg(1 << 16)->Arg(1 << 10);
BENCHMARK(BM_RegenerateNormal)->Arg(1 << 16);

}  // namespace

BENCHMARK_MAIN();
