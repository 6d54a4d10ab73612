// Cost of one op call through the dispatcher, on tensors so small that the
// kernel itself is negligible: what remains is dispatch, output allocation
// and (for the autograd case) tape recording.
//   build/bench/dispatch_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace {

using namespace tern;

void BM_AddOneElement(benchmark::State& state) {
  const Tensor a = ones({1}), b = ones({1});
  for (auto _ : state) benchmark::DoNotOptimize(add(a, b));
}
BENCHMARK(BM_AddOneElement);

void BM_ReluOneElement(benchmark::State& state) {
  const Tensor a = ones({1});
  for (auto _ : state) benchmark::DoNotOptimize(relu(a));
}
BENCHMARK(BM_ReluOneElement);

void BM_ReshapeView(benchmark::State& state) {
  const Tensor a = ones({4, 4});
  for (auto _ : state) benchmark::DoNotOptimize(reshape(a, {2, 8}));
}
BENCHMARK(BM_ReshapeView);

void BM_AddWithAutograd(benchmark::State& state) {
  autograd::install();  // this program never asks for a gradient, so nothing else links the recorder in
  Tensor a = ones({1}), b = ones({1});
  a.set_requires_grad(true);
  for (auto _ : state) benchmark::DoNotOptimize(add(a, b));
}
BENCHMARK(BM_AddWithAutograd);

// The floor: allocating a 1-element output tensor, which every op does.
void BM_AllocateOutput(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(Tensor::empty({1}));
}
BENCHMARK(BM_AllocateOutput);

}  // namespace

BENCHMARK_MAIN();
