// yellowfin_replay: records a gradient stream and what Tern's YellowFin made
// of it, for replay.py to feed the same stream into the reference
// implementation and compare step by step.
//
//   yellowfin_replay synthetic CONFIG STEPS OUT_DIR
//       the deterministic stream of stream.h, f64 parameters; CONFIG a, b or c
//       (the option sets of the golden files, see configs() below)
//   yellowfin_replay mlp STEPS OUT_DIR [FASHION_MNIST_DIR]
//       a real run: an MLP 49-32-10 (ReLU) on 4x4-average-pooled
//       Fashion-MNIST, batch 32, trained by YellowFin with default options;
//       each step's gradients are recorded before the step
//
// OUT_DIR gets meta.json (stream, steps, parameters, options), mask.u8 (one
// byte per step and parameter: 1 if it has a gradient), grads.f32 (per step,
// per parameter with a gradient, its values), init.f64 (starting values)
// and tern.csv (per step: the tuner's choices, 17 significant digits).
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/base/parse.h"
#include "tern/data/dataset.h"
#include "tern/data/idx.h"
#include "tern/data/loader.h"
#include "tern/ops/ops.h"
#include "tern/optim/yellowfin_replay/stream.h"

using namespace tern;
using namespace tern::optim;

namespace {

nlohmann::json options_json(const YellowFinOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"beta", o.beta},
          {"curv_win", o.curv_win},
          {"zero_debias", o.zero_debias},
          {"sparsity_debias", o.sparsity_debias},
          {"h_min_log_smooth", o.h_min_log_smooth},
          {"h_max_log_smooth", o.h_max_log_smooth},
          {"clip_thresh", o.clip_thresh},
          {"auto_clip_fac", o.auto_clip_fac},
          {"adapt_clip", o.adapt_clip},
          {"stat_protect_fac", o.stat_protect_fac},
          {"catastrophic_move_thresh", o.catastrophic_move_thresh},
          {"weight_decay", o.weight_decay}};
}

// What one run writes, filled step by step.
struct Dump {
  std::string mask, grads, init, csv;
  bool with_params = true;

  void header() {
    csv = "step,mu_t,lr_t,lr,momentum,h_min,h_max,grad_var,dist_to_opt,grad_norm_squared";
    csv += with_params ? ",param_abs,param_sq\n" : "\n";
  }
  void gradient(const float* g, size_t n) { grads.append(reinterpret_cast<const char*>(g), n * sizeof(float)); }
  void row(int64_t step, const YellowFinStep& t, double param_abs, double param_sq) {
    char buf[64];
    csv += std::to_string(step);
    auto put = [&](double v) {
      std::snprintf(buf, sizeof buf, ",%.17g", v);
      csv += buf;
    };
    for (double v : {t.mu_t, t.lr_t, t.lr, t.momentum, t.h_min, t.h_max, t.grad_var, t.dist_to_opt,
                     t.grad_norm_squared})
      put(v);
    if (with_params) {
      put(param_abs);
      put(param_sq);
    }
    csv += '\n';
  }
  void write(const std::string& dir, const nlohmann::json& meta) const {
    std::filesystem::create_directories(dir);
    write_file_atomic(dir + "/meta.json", meta.dump(1) + "\n");
    write_file_atomic(dir + "/mask.u8", mask);
    write_file_atomic(dir + "/grads.f32", grads);
    write_file_atomic(dir + "/init.f64", init);
    write_file_atomic(dir + "/tern.csv", csv);
  }
};

void append_f64(std::string& out, const Tensor& t) {
  const Tensor c = contiguous(cast(t, DType::f64));
  out.append(static_cast<const char*>(c.raw_data()), static_cast<size_t>(c.nbytes()));
}

int run_synthetic(const std::string& config, int64_t steps, const std::string& dir) {
  const YellowFinOptions o = replay::config_options(config);
  const std::vector<replay::StreamParam> ps = replay::stream_params();
  Dump d;
  d.header();
  for (size_t j = 0; j < ps.size(); ++j) {
    std::vector<double> v(static_cast<size_t>(numel_of(ps[j].shape)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = replay::stream_init(j, static_cast<int64_t>(i));
    d.init.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
  }
  const auto records = replay::run_stream(o, steps, 1, [&](int64_t, const std::vector<std::vector<float>>& grads) {
    for (const auto& g : grads) {
      d.mask.push_back(g.empty() ? 0 : 1);
      d.gradient(g.data(), g.size());
    }
  });
  for (size_t s = 0; s < records.size(); ++s)
    d.row(static_cast<int64_t>(s), records[s].tuner, records[s].param_abs, records[s].param_sq);
  nlohmann::json meta = {{"stream", "synthetic"}, {"config", config}, {"steps", steps},
                         {"param_dtype", "float64"}, {"options", options_json(o)}};
  for (const auto& p : ps) meta["params"].push_back({{"name", p.name}, {"shape", p.shape.vec()}});
  d.write(dir, meta);
  std::printf("wrote %lld steps of the synthetic stream (config %s) to %s\n", static_cast<long long>(steps),
              config.c_str(), dir.c_str());
  return 0;
}

int run_mlp(int64_t steps, const std::string& dir, const std::string& data_dir) {
  manual_seed(7);
  auto train = data::fashion_mnist(data_dir, true);
  std::vector<std::pair<std::string, Tensor>> params = {
      {"fc1.weight", mul(randn({32, 49}), Tensor::scalar(1 / std::sqrt(49.0)))},
      {"fc1.bias", zeros({32})},
      {"fc2.weight", mul(randn({10, 32}), Tensor::scalar(1 / std::sqrt(32.0)))},
      {"fc2.bias", zeros({10})}};
  std::vector<ParamRef> refs;
  Dump d;
  d.with_params = false;  // f32 parameters here: their trajectory is not compared
  d.header();
  for (auto& [name, t] : params) {
    t = contiguous(t);
    t.set_requires_grad(true);
    refs.push_back({name, t});
    append_f64(d.init, t);
  }
  const YellowFinOptions o;
  YellowFin opt(refs, o);
  data::LoaderOptions lo;
  lo.batch_size = 32;
  lo.seed = 7;
  data::DataLoader loader(train, lo);
  int64_t step = 0;
  for (int64_t epoch = 0; step < steps; ++epoch) {
    loader.start_epoch(epoch);
    while (step < steps) {
      auto batch = loader.next();
      if (!batch) break;
      opt.zero_grad();
      const Tensor x = flatten(avg_pool2d(batch->inputs, 4), 1);
      const Tensor h = relu(linear(x, params[0].second, params[1].second));
      const Tensor loss = cross_entropy(linear(h, params[2].second, params[3].second), batch->labels);
      autograd::backward(loss);
      for (auto& [name, t] : params) {
        const Tensor g = contiguous(t.grad());
        d.mask.push_back(1);
        d.gradient(g.data<float>(), static_cast<size_t>(g.numel()));
      }
      opt.step();
      d.row(step, opt.last(), 0, 0);
      const double l = loss.item();
      TERN_CHECK(std::isfinite(l), "yellowfin_replay: loss ", l, " at step ", step);
      if (step % 2000 == 0) std::printf("step %lld loss %.4f lr %.4g mu %.4f\n", static_cast<long long>(step), l,
                                        opt.last().lr, opt.last().momentum);
      ++step;
    }
  }
  nlohmann::json meta = {{"stream", "mlp"}, {"steps", steps}, {"param_dtype", "float32"},
                         {"options", options_json(o)}};
  for (const auto& [name, t] : params) meta["params"].push_back({{"name", name}, {"shape", t.shape().vec()}});
  d.write(dir, meta);
  std::printf("wrote %lld steps of MLP training to %s\n", static_cast<long long>(steps), dir.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() == 4 && a[0] == "synthetic")
      return run_synthetic(a[1], parse_int(a[2], "STEPS", {1, 10'000'000}), a[3]);
    if ((a.size() == 3 || a.size() == 4) && a[0] == "mlp")
      return run_mlp(parse_int(a[1], "STEPS", {1, 10'000'000}), a[2], a.size() == 4 ? a[3] : data::kFashionMnistDir);
    std::fprintf(stderr,
                 "usage: yellowfin_replay synthetic a|b|c STEPS OUT_DIR\n"
                 "       yellowfin_replay mlp STEPS OUT_DIR [FASHION_MNIST_DIR]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern: error: %s\n", e.what());
    return 1;
  }
}
