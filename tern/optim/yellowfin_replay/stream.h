// A deterministic synthetic gradient stream for checking YellowFin against
// its reference implementation: every value is a function of (step,
// parameter, index) alone (Philox), so the C++ tests regenerate it and the
// replay tool writes the very same f32 values for the Python side.
//
// It is built to reach every branch of the tuner: a slowly drifting mean
// under noise whose level changes (curvature range and variance move), a
// sparse parameter (most entries exactly 0, for sparsity_debias), a
// parameter without a gradient on some steps, moderate jumps (x5, the
// exploding-gradient clip) and rare huge spikes (x1000: the statistics clip
// and the catastrophic-move cap).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "tern/base/error.h"
#include "tern/base/philox.h"
#include "tern/core/shape.h"
#include "tern/optim/yellowfin.h"

namespace tern::optim::replay {

struct StreamParam {
  std::string name;
  Shape shape;
};

// w1 [24, 32], b1 [32], w2 [32, 10], b2 [10] (no gradient when step % 7 == 3,
// never at step 0), emb [40, 8] (rows present with probability 0.15).
inline std::vector<StreamParam> stream_params() {
  return {{"w1", {24, 32}}, {"b1", {32}}, {"w2", {32, 10}}, {"b2", {10}}, {"emb", {40, 8}}};
}

inline bool stream_has_grad(int64_t step, size_t param) { return !(param == 3 && step % 7 == 3); }

// The factor on the whole gradient at `step`: 1000 on spikes, 5 on jumps.
inline double stream_jump(int64_t step) {
  if (step % 397 == 150) return 1000;
  if (step % 131 == 40) return 5;
  return 1;
}

// Gradient of parameter `param` (index into stream_params()) at `step`,
// flattened; empty if it has none that step.
inline std::vector<float> stream_gradient(uint64_t seed, int64_t step, size_t param) {
  const std::vector<StreamParam> ps = stream_params();
  if (!stream_has_grad(step, param)) return {};
  const int64_t n = numel_of(ps[param].shape);
  const double t = static_cast<double>(step);
  // The mean decays and turns; the noise level oscillates, so the ratio of
  // signal to noise (and with it mu) moves through the run.
  const double mean_scale = std::exp(-t / 2000.0);
  const double noise = 1.5 * (1.0 + 0.6 * std::sin(t / 250.0)) / std::sqrt(1.0 + t / 1500.0);
  const double jump = stream_jump(step);
  const uint64_t key = seed * 1000003ull + param;
  std::vector<float> g(static_cast<size_t>(n));
  const int64_t row = ps[param].shape.size() == 2 ? ps[param].shape[1] : n;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t index = static_cast<uint64_t>(step) * static_cast<uint64_t>(n) + static_cast<uint64_t>(i);
    if (ps[param].name == "emb" && Philox::uniform(key ^ 0x5151ull, static_cast<uint64_t>(step) * 64 + i / row) >= 0.15f) {
      g[static_cast<size_t>(i)] = 0;
      continue;
    }
    const double mean = std::cos(0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(param) + t / 900.0);
    const double v = (mean_scale * mean + noise * Philox::normal(key, index)) * (1.0 + 0.5 * static_cast<double>(param));
    g[static_cast<size_t>(i)] = static_cast<float>(v * jump);
  }
  return g;
}

// The option sets the golden files were recorded with: "a" the defaults,
// "b" sparsity debiasing, weight decay, automatic clipping, beta 0.99, a
// window of 10, linear h_max smoothing and a low catastrophic-move cap, "c"
// no adaptive clipping, a fixed clip, no zero-debiasing, momentum 0.5 at first.
inline YellowFinOptions config_options(const std::string& config) {
  YellowFinOptions o;
  o.lr = 0.01;
  if (config == "a") return o;
  if (config == "b") {
    o.sparsity_debias = true;
    o.weight_decay = 1e-3;
    o.auto_clip_fac = 2;
    o.beta = 0.99;
    o.curv_win = 10;
    o.h_max_log_smooth = false;
    o.catastrophic_move_thresh = 0.1;
    return o;
  }
  if (config == "c") {
    o.adapt_clip = false;
    o.clip_thresh = 5;
    o.zero_debias = false;
    o.momentum = 0.5;
    return o;
  }
  TERN_FAIL("yellowfin replay: unknown config '", config, "' (a, b, c)");
}

// The parameters' starting values (f64): 0.1 cos(i + 2 param).
inline double stream_init(size_t param, int64_t i) {
  return 0.1 * std::cos(static_cast<double>(i) + 2.0 * static_cast<double>(param));
}

// One step of a replay: what the tuner chose, and the parameters after it.
struct ReplayRecord {
  YellowFinStep tuner;
  double param_abs = 0;  // sum of |w| over every parameter element after the step
  double param_sq = 0;   // and of their squares
};

// Runs YellowFin with `options` over `steps` steps of the stream on f64
// parameters starting at stream_init; calls on_step(step, grads) before each
// step (the gradients of the parameters that have one, as given).
template <typename OnStep>
std::vector<ReplayRecord> run_stream(const YellowFinOptions& options, int64_t steps, uint64_t seed, OnStep&& on_step) {
  const std::vector<StreamParam> ps = stream_params();
  std::vector<Tensor> params;
  std::vector<ParamRef> refs;
  for (size_t j = 0; j < ps.size(); ++j) {
    std::vector<double> v(static_cast<size_t>(numel_of(ps[j].shape)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = stream_init(j, static_cast<int64_t>(i));
    Tensor t = Tensor::from_vector(v, ps[j].shape);
    t.set_requires_grad(true);
    params.push_back(t);
    refs.push_back({ps[j].name, t});
  }
  YellowFin opt(refs, options);
  std::vector<ReplayRecord> out;
  out.reserve(static_cast<size_t>(steps));
  for (int64_t s = 0; s < steps; ++s) {
    std::vector<std::vector<float>> grads(ps.size());
    for (size_t j = 0; j < ps.size(); ++j) {
      grads[j] = stream_gradient(seed, s, j);
      if (grads[j].empty()) {
        params[j].zero_grad();
        continue;
      }
      params[j].set_grad(Tensor::from_vector(std::vector<double>(grads[j].begin(), grads[j].end()), ps[j].shape));
    }
    on_step(s, grads);
    opt.step();
    ReplayRecord r{opt.last()};
    for (const Tensor& t : params) {
      const double* d = t.data<double>();
      for (int64_t i = 0; i < t.numel(); ++i) {
        r.param_abs += std::fabs(d[i]);
        r.param_sq += d[i] * d[i];
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace tern::optim::replay
