// optim_speed: times one optimiser step over a large f32 parameter, fused
// (tern::optim) against the same update written with public ops (one new
// tensor per op, as an unfused eager framework does it). Prints ms per step
// and the bytes moved per second by the fused loop.
//   optim_speed [numel=4000000] [threads=1] [reps=20]
//   optim_speed lenet [threads=1]: one step over LeNet-5's 10 parameters
//   (61,706 values), where the per-parameter overhead shows.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "tern/base/parse.h"
#include "tern/autograd/grad_mode.h"
#include "tern/base/parallel.h"
#include "tern/ops/ops.h"
#include "tern/optim/factory.h"

using namespace tern;

namespace {

// Milliseconds per call of fn. With one thread this is process CPU time, so
// it is not inflated when other jobs share the machine; otherwise wall time.
double ms_per_call(int reps, const std::function<void()>& fn) {
  fn();  // warm-up: first-touch of state buffers
  const bool cpu = num_threads() == 1;
  auto now = [cpu] {
    timespec ts{};
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
  };
  const double t0 = now();
  for (int i = 0; i < reps; ++i) fn();
  return (now() - t0) / reps;
}

}  // namespace

// Times step() over LeNet-5's parameter shapes for each optimiser.
int lenet(int threads) {
  set_num_threads(threads);
  NoGradGuard no_grad;
  const std::vector<Shape> shapes = {{6, 1, 5, 5}, {6}, {16, 6, 5, 5}, {16}, {120, 400},
                                     {120},        {84, 120}, {84}, {10, 84},    {10}};
  for (const std::string name : {"sgd", "adam", "adagrad", "rmsprop"}) {
    std::vector<optim::ParamRef> params;
    for (size_t i = 0; i < shapes.size(); ++i) {
      Tensor p = randn(shapes[i]);
      p.set_requires_grad(true);
      p.set_grad(randn(shapes[i]));
      params.push_back({str_cat("p", i), p});
    }
    auto opt = optim::make_optimizer(name, params, {.lr = 1e-3, .momentum = name == "sgd" ? 0.9 : 0.0});
    const double us = ms_per_call(2000, [&] { opt->step(); }) * 1000;
    std::printf("lenet5  %-8s %8.2f us/step\n", name.c_str(), us);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "lenet") return lenet(argc > 2 ? static_cast<int>(tern::parse_int(argv[2], "threads", {1, 1024})) : 1);
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 4000000;
  const int threads = argc > 2 ? static_cast<int>(tern::parse_int(argv[2], "threads", {1, 1024})) : 1;
  const int reps = argc > 3 ? static_cast<int>(tern::parse_int(argv[3], "reps", {1, 1 << 20})) : 20;
  set_num_threads(threads);
  NoGradGuard no_grad;
  Tensor grad = randn({n});
  std::printf("numel %lld, threads %d\n", static_cast<long long>(n), threads);

  // Bytes each fused update reads + writes per element (f32).
  struct Case {
    std::string name;
    optim::OptimizerOptions options;
    int streams;
  };
  const Case cases[] = {{"sgd", {.lr = 0.01}, 3},
                        {"sgd", {.lr = 0.01, .momentum = 0.9}, 5},
                        {"adam", {.lr = 1e-3}, 7},
                        {"adagrad", {.lr = 0.01}, 5},
                        {"rmsprop", {.lr = 0.01}, 5}};
  for (const Case& c : cases) {
    Tensor p = randn({n});
    p.set_requires_grad(true);
    p.set_grad(grad);
    auto opt = optim::make_optimizer(c.name, {{"w", p}}, c.options);
    const double ms = ms_per_call(reps, [&] { opt->step(); });
    const double gbs = static_cast<double>(c.streams) * 4 * static_cast<double>(n) / (ms * 1e6);
    std::printf("fused   %-8s momentum %.1f  %8.3f ms/step  %6.2f GB/s\n", c.name.c_str(), c.options.momentum, ms,
                gbs);
  }

  // The same SGD-momentum and Adam updates from public ops.
  {
    Tensor p = randn({n}), buf = zeros({n});
    const double ms = ms_per_call(reps, [&] {
      buf = buf * 0.9 + grad;
      p = p - buf * 0.01;
    });
    std::printf("ops     sgd      momentum 0.9  %8.3f ms/step\n", ms);
  }
  {
    Tensor p = randn({n}), m = zeros({n}), v = zeros({n});
    int t = 0;
    const double ms = ms_per_call(reps, [&] {
      ++t;
      m = m * 0.9 + grad * 0.1;
      v = v * 0.999 + square(grad) * 0.001;
      const double bc1 = 1 - std::pow(0.9, t), bc2 = std::sqrt(1 - std::pow(0.999, t));
      p = p - m * (1e-3 / bc1) / (sqrt(v) / bc2 + 1e-8);
    });
    std::printf("ops     adam              %8.3f ms/step\n", ms);
  }
  return 0;
}
