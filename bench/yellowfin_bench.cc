// YellowFin's tuner cost per step (Google Benchmark). The goal in
// tern/optim/README.md: at most 1.5 ms per 10^6 parameters per step.
//   yellowfin_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// Args: total parameters (f32, split over 8 tensors of equal size as a model
// has several), threads. Cases:
//   Tuner      YellowFin::step() with update() made a no-op: the gradient
//              checks of step() plus begin_step(), i.e. everything the tuner
//              adds (both sums over the gradients, the per-element average,
//              the scalar tuning)
//   YellowFin  the whole step (tuner + momentum update)
//   SgdMomentum the momentum update alone (SGD, momentum 0.9), for scale
// Times are wall-clock per step; divide by the size in millions (2^20 =
// 1.048576 M) for the figure per 10^6 parameters. Time it alone
// (flock -x /work/.cpu.lock on the shared machines).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "tern/autograd/grad_mode.h"
#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/ops/ops.h"
#include "tern/optim/factory.h"
#include "tern/optim/yellowfin.h"

namespace {

using namespace tern;
using namespace tern::optim;

// YellowFin with the parameter update removed: what remains is the tuner.
class TunerOnly : public YellowFin {
 public:
  using YellowFin::YellowFin;

 protected:
  void update(const Tensor&, const Tensor&, ParamState&) override {}
};

struct Model {
  std::vector<Tensor> params;
  std::vector<ParamRef> refs;
  explicit Model(int64_t total) {
    const int64_t per = total / 8;
    for (int j = 0; j < 8; ++j) {
      std::vector<float> v(static_cast<size_t>(per)), g(v.size());
      for (int64_t i = 0; i < per; ++i) {
        v[i] = 0.01f * Philox::normal(1, static_cast<uint64_t>(j * per + i));
        g[i] = Philox::normal(2, static_cast<uint64_t>(j * per + i));
      }
      Tensor p = Tensor::from_vector(v, {per});
      p.set_requires_grad(true);
      p.set_grad(Tensor::from_vector(g, {per}));
      params.push_back(p);
      std::string name = "p";
      name += std::to_string(j);
      refs.push_back({name, p});
    }
  }
};

template <typename Make>
void run(benchmark::State& state, Make make) {
  const int64_t total = state.range(0);
  set_num_threads(static_cast<int>(state.range(1)));
  Model m(total);
  std::unique_ptr<Optimizer> opt = make(m.refs);
  for (int i = 0; i < 3; ++i) opt->step();  // buffers allocated, tuning under way
  for (auto _ : state) opt->step();
}

void Tuner(benchmark::State& state) {
  run(state, [](std::vector<ParamRef> r) { return std::make_unique<TunerOnly>(std::move(r), YellowFinOptions{.lr = 0.01}); });
}
void YellowFinStep(benchmark::State& state) {
  run(state, [](std::vector<ParamRef> r) { return std::make_unique<YellowFin>(std::move(r), YellowFinOptions{.lr = 0.01}); });
}
void SgdMomentum(benchmark::State& state) {
  run(state, [](std::vector<ParamRef> r) { return make_optimizer("sgd", std::move(r), {.lr = 0.01, .momentum = 0.9}); });
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {int64_t{1} << 20, int64_t{1} << 24})
    for (int64_t t : {1, 2}) b->Args({n, t});
  b->Unit(benchmark::kMillisecond);
}

BENCHMARK(Tuner)->Apply(sizes)->UseRealTime();
BENCHMARK(YellowFinStep)->Apply(sizes)->UseRealTime();
BENCHMARK(SgdMomentum)->Apply(sizes)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
