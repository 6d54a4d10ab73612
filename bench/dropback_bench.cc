// Dropback's costs on one thread (Google Benchmark): regenerating initial
// weights from (seed, parameter, index) (tern/nn/init.h), the w0 Dropback
// reads at every step, and one Dropback::after_step() (selection + reset)
// over LeNet-300-100's 266,610 weights.
//   flock -x /work/.cpu.lock build/tern/optim/dropback_bench --benchmark_repetitions=5
// Target (tern/optim/README.md): >= 1e9 weights/s for the uniform
// initialisers of Linear/Conv layers. Chunks of 64 Ki weights (Dropback's
// chunk) stay in L2, so this is the generator's cost, not memory's.
#include <benchmark/benchmark.h>

#include <vector>

#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/nn/init.h"
#include "tern/nn/models.h"
#include "tern/optim/dropback.h"
#include "tern/optim/factory.h"

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

// after_step() on lenet300 after an SGD step with a fixed random gradient;
// range(0) = N / k, range(1) = 1: frozen mask.
void BM_DropbackAfterStep(benchmark::State& state) {
  tern::set_num_threads(1);
  tern::manual_seed(1);
  auto model = tern::nn::make_model("lenet300", tern::nn::find_model("lenet300").defaults);
  std::vector<tern::optim::ParamRef> refs;
  std::vector<InitSpec> specs;
  for (auto& [name, t] : model->named_parameters()) refs.push_back({name, t});
  for (auto& [name, s] : model->named_inits()) specs.push_back(s);
  for (auto& r : refs) {
    tern::Tensor g = tern::Tensor::empty(r.param.shape());
    for (int64_t i = 0; i < g.numel(); ++i) g.data<float>()[i] = tern::Philox::normal(3, i) * 0.01f;
    r.param.set_grad(g);
  }
  auto opt = tern::optim::make_optimizer("sgd", refs, tern::optim::OptimizerOptions{.lr = 0.05, .momentum = 0.9});
  const int64_t n = model->num_parameters();
  tern::optim::Dropback db(
      *opt, [&](size_t p, int64_t b, int64_t c, float* d) { tern::nn::init::regenerate(specs[p], b, c, d); },
      {.k = n / state.range(0)});
  opt->step();
  db.after_step();
  if (state.range(1)) db.freeze();
  for (auto _ : state) {
    state.PauseTiming();
    opt->step();
    state.ResumeTiming();
    db.after_step();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

BENCHMARK(BM_DropbackAfterStep)->Args({10, 0})->Args({25, 0})->Args({10, 1});
BENCHMARK(BM_RegenerateUniform)->Arg(1 << 16)->Arg(1 << 10);
BENCHMARK(BM_RegenerateNormal)->Arg(1 << 16);

}  // namespace

BENCHMARK_MAIN();
