#include "tern/optim/yellowfin.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tern/ops/ops.h"
#include "tern/optim/update_loop.h"

namespace tern::optim {

namespace {

// The reference's guard against zero denominators and log(0).
constexpr double kEps = 1e-6;
// torch.nn.utils.clip_grad_norm_'s guard.
constexpr double kClipEps = 1e-6;
// Sums over elements are taken per fixed chunk of this many elements and
// the chunks' partial sums added in order: the same result on any number of
// threads.
constexpr int64_t kChunk = detail::kGrain;

// Calls fn(lo, hi, out) per chunk of [0, n) (out: that chunk's N partial
// sums, zeroed) and returns the N totals.
template <int N, typename Fn>
std::array<double, N> chunked_sums(int64_t n, Fn&& fn) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<double> part(static_cast<size_t>(std::max<int64_t>(chunks, 1)) * N, 0.0);
  auto run = [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) fn(c * kChunk, std::min(n, (c + 1) * kChunk), &part[c * N]);
  };
  if (chunks < 2) run(0, chunks);
  else parallel_for(chunks, 1, run);
  std::array<double, N> total{};
  for (int64_t c = 0; c < chunks; ++c)
    for (int j = 0; j < N; ++j) total[j] += part[c * N + j];
  return total;
}

// The element loops below keep kLanes independent partial sums (lane i % kLanes,
// added up in a fixed order): one accumulator would chain every addition on
// the previous one and run at the adder's latency, not at memory speed.
constexpr int kLanes = 8;

// sum(g^2) and, with `count`, the number of non-zero entries.
std::array<double, 2> square_sum(const Tensor& grad, bool count) {
  std::array<double, 2> r{};
  detail::float_switch(grad.dtype(), "yellowfin", [&]<typename T>() {
    const T* g = grad.data<T>();
    detail::bool_switch(count, [&](auto count_c) {
      r = chunked_sums<2>(grad.numel(), [&](int64_t lo, int64_t hi, double* out) {
        const T* __restrict gv = g;
        double sq[kLanes] = {}, nz[kLanes] = {};
        int64_t i = lo;
        for (; i + kLanes <= hi; i += kLanes)
          for (int l = 0; l < kLanes; ++l) {
            const double v = gv[i + l];
            sq[l] += v * v;
            if constexpr (detail::flag_v<decltype(count_c)>) nz[l] += v != 0 ? 1.0 : 0.0;
          }
        for (int l = 0; i < hi; ++i, ++l) {
          const double v = gv[i];
          sq[l] += v * v;
          if constexpr (detail::flag_v<decltype(count_c)>) nz[l] += v != 0 ? 1.0 : 0.0;
        }
        for (int l = 0; l < kLanes; ++l) {
          out[0] += sq[l];
          out[1] += nz[l];
        }
      });
    });
  });
  return r;
}

// a = beta a + (1 - beta) (scale g), element-wise; returns sum(a^2).
double average_grad(double* a, const Tensor& grad, double beta, double scale) {
  double total = 0;
  const double keep = 1 - beta;
  detail::float_switch(grad.dtype(), "yellowfin", [&]<typename T>() {
    const T* g = grad.data<T>();
    total = chunked_sums<1>(grad.numel(), [&](int64_t lo, int64_t hi, double* out) {
      // Locals and restrict pointers: stores to a[] cannot change them, so
      // the loop vectorises.
      double* __restrict av = a;
      const T* __restrict gv = g;
      const double b = beta, k = keep, sc = scale;
      double sq[kLanes] = {};
      int64_t i = lo;
      for (; i + kLanes <= hi; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
          const double v = av[i + l] * b + k * (sc * static_cast<double>(gv[i + l]));
          av[i + l] = v;
          sq[l] += v * v;
        }
      for (int l = 0; i < hi; ++i, ++l) {
        const double v = av[i] * b + k * (sc * static_cast<double>(gv[i]));
        av[i] = v;
        sq[l] += v * v;
      }
      for (int l = 0; l < kLanes; ++l) out[0] += sq[l];
    })[0];
  });
  return total;
}

// min(1, thresh / (norm + 1e-6)): clip_grad_norm_'s factor.
double clip_factor(double thresh, double norm) { return std::min(1.0, thresh / (norm + kClipEps)); }

}  // namespace

CubicRoot yellowfin_cubic(double p) {
  TERN_CHECK(p >= 0, "yellowfin: the cubic's coefficient p must be >= 0, got ", p);  // NaN fails too
  if (p == 0) return {1.0, 0.0};
  if (std::isinf(p)) return {0.0, 1.0};
  // Outside [1e-300, 1e300] the hyperbolic form would overflow; there the
  // leading terms are exact in double: z = cbrt(p) (1 - cbrt(p)/3 + ...),
  // x = (1 - 3/p + ...) / p.
  if (p < 1e-300) {
    const double z = std::cbrt(p);
    return {1 - z, z};
  }
  if (p > 1e300) return {1 / p, 1 - 1 / p};
  // z = 1 - x solves z^3 + p z - p = 0, a depressed cubic with one real root.
  const double z = 2 * std::sqrt(p / 3) * std::sinh(std::asinh(1.5 * std::sqrt(3 / p)) / 3);
  // p x = z^3 exactly; 1 - z only where it cannot cancel.
  const double x = z <= 0.5 ? 1 - z : z * z * z / p;
  return {x, z};
}

const char* YellowFin::field_name(int f) {
  static const char* const names[kFields] = {"iter",         "h_min_avg",       "h_max_avg",
                                             "h_min",        "h_max",           "grad_norm_squared_avg",
                                             "grad_norm_avg", "dist_to_opt_avg", "sparsity_avg",
                                             "lr_t",         "mu_t",            "lr_s",
                                             "mu_s"};
  return names[f];
}

YellowFin::YellowFin(std::vector<ParamRef> params, const YellowFinOptions& o)
    : Optimizer(std::move(params), o.lr), opt_(o) {
  check_hyper(std::isfinite(o.lr) && o.lr > 0, "yellowfin", "lr (the first step's)", "finite and > 0", o.lr);
  check_hyper(std::isfinite(o.momentum) && o.momentum >= 0 && o.momentum < 1, "yellowfin", "momentum", "in [0, 1)",
              o.momentum);
  check_hyper(o.beta > 0 && o.beta < 1, "yellowfin", "beta", "in (0, 1)", o.beta);
  check_hyper(o.curv_win >= 1 && o.curv_win <= (1 << 20), "yellowfin", "curv_win", "in [1, 2^20]",
              static_cast<double>(o.curv_win));
  check_hyper(std::isfinite(o.clip_thresh) && o.clip_thresh >= 0, "yellowfin", "clip_thresh", ">= 0 (0: off)",
              o.clip_thresh);
  check_hyper(std::isfinite(o.auto_clip_fac) && o.auto_clip_fac >= 0, "yellowfin", "auto_clip_fac",
              ">= 0 (0: off)", o.auto_clip_fac);
  check_hyper(std::isfinite(o.stat_protect_fac) && o.stat_protect_fac > 0, "yellowfin", "stat_protect_fac", "> 0",
              o.stat_protect_fac);
  check_hyper(std::isfinite(o.catastrophic_move_thresh) && o.catastrophic_move_thresh > 0, "yellowfin",
              "catastrophic_move_thresh", "> 0", o.catastrophic_move_thresh);
  check_hyper(std::isfinite(o.weight_decay) && o.weight_decay >= 0, "yellowfin", "weight_decay", ">= 0",
              o.weight_decay);
  curv_win_.assign(static_cast<size_t>(o.curv_win), 0.0);
  s_[kLrT] = s_[kLrS] = o.lr;
  s_[kMuT] = s_[kMuS] = o.momentum;
}

DType YellowFin::buffer_dtype(const Tensor& param, const std::string& key) const {
  return key == "grad_avg" ? DType::f64 : param.dtype();
}

void YellowFin::begin_step(std::span<const StepGrad> grads) {
  const double beta = opt_.beta;
  const int64_t k = static_cast<int64_t>(s_[kIter]);
  const int64_t W = opt_.curv_win;

  // ||g||^2 (and non-zeros) before anything changes, so that a non-finite
  // gradient leaves the whole state as it was.
  double g0 = 0, nonzero = 0, entries = 0;
  for (const StepGrad& sg : grads) {
    const auto [sq, nz] = square_sum(sg.grad, opt_.sparsity_debias);
    g0 += sq;
    nonzero += nz;
    entries += static_cast<double>(sg.grad.numel());
  }
  TERN_CHECK(std::isfinite(g0), "yellowfin: the squared gradient norm is ", g0, " at tuner step ", k,
             "; training diverged (the parameters were left as they were)");

  // Clips before the statistics, in the reference's order.
  double scale = 1;
  const auto clip = [&](double thresh) { scale *= clip_factor(thresh, std::sqrt(scale * scale * g0)); };
  const double h_max_prev = s_[kHMax];
  if (opt_.clip_thresh > 0) clip(opt_.clip_thresh);
  else if (k != 0 && opt_.auto_clip_fac > 0) clip(std::sqrt(h_max_prev) * opt_.auto_clip_fac);
  if (opt_.adapt_clip && k > 1) clip(std::sqrt(opt_.stat_protect_fac * h_max_prev) + kEps);
  const double G = scale * scale * g0;
  const bool exploding = k >= 1 && G >= h_max_prev;

  std::array<double, kFields> n = s_;
  const double debias_raw = 1 - std::pow(beta, static_cast<double>(k + 1));
  const double debias = opt_.zero_debias ? debias_raw : 1.0;
  n[kGradNormSquaredAvg] = n[kGradNormSquaredAvg] * beta + (1 - beta) * G;

  double sparsity = 1;
  if (opt_.sparsity_debias) {
    n[kSparsityAvg] = beta * n[kSparsityAvg] + (1 - beta) * nonzero / entries;
    sparsity = n[kSparsityAvg] / debias_raw;  // the reference debiases it whatever zero_debias says
  }

  // Curvature range over the window.
  curv_win_[static_cast<size_t>(k % W)] = G;
  const auto valid = curv_win_.begin() + std::min<int64_t>(W, k + 1);
  const double lo = *std::min_element(curv_win_.begin(), valid);
  const double hi = *std::max_element(curv_win_.begin(), valid);
  n[kHMinAvg] = n[kHMinAvg] * beta + (1 - beta) * (opt_.h_min_log_smooth ? std::log(lo + kEps) : lo);
  n[kHMaxAvg] = n[kHMaxAvg] * beta + (1 - beta) * (opt_.h_max_log_smooth ? std::log(hi + kEps) : hi);
  n[kHMin] = opt_.h_min_log_smooth ? std::exp(n[kHMinAvg] / debias) : n[kHMinAvg] / debias;
  n[kHMax] = opt_.h_max_log_smooth ? std::exp(n[kHMaxAvg] / debias) : n[kHMaxAvg] / debias;
  if (opt_.sparsity_debias) {
    n[kHMin] *= sparsity;
    n[kHMax] *= sparsity;
  }

  // Gradient variance: the per-element averages take the clipped gradients.
  double avg_sq = 0;
  for (const StepGrad& sg : grads) {
    Tensor& a = buffer(sg.ref.param, sg.state, "grad_avg", 0);
    avg_sq += average_grad(a.data<double>(), sg.grad, beta, scale);
  }
  double var = avg_sq / -(debias * debias) + n[kGradNormSquaredAvg] / debias;
  var = std::max(var, kEps);
  if (opt_.sparsity_debias) var *= sparsity;

  // Distance to the optimum.
  n[kGradNormAvg] = n[kGradNormAvg] * beta + (1 - beta) * std::sqrt(G);
  n[kDistToOptAvg] = n[kDistToOptAvg] * beta + (1 - beta) * n[kGradNormAvg] / (n[kGradNormSquaredAvg] + kEps);
  double dist = n[kDistToOptAvg] / debias;
  if (opt_.sparsity_debias) dist /= std::sqrt(sparsity) + kEps;

  if (k > 0) {
    const double p = (dist + kEps) * (dist + kEps) * ((n[kHMin] + kEps) * (n[kHMin] + kEps)) / 2 / (var + kEps);
    const CubicRoot root = yellowfin_cubic(p);
    const double r = std::max((n[kHMax] + kEps) / (n[kHMin] + kEps), 1 + kEps);
    const double sr = std::sqrt(r);
    // sqrt(mu) and 1 - sqrt(mu) of the condition-number bound, without cancellation.
    const double bound = (r - 1) / ((sr + 1) * (sr + 1)), bound_gap = 2 / (sr + 1);
    double gap;  // 1 - sqrt(mu_t)
    if (bound * bound > root.x * root.x) {
      n[kMuT] = bound * bound;
      gap = bound_gap;
    } else {
      n[kMuT] = root.x * root.x;
      gap = root.z;
    }
    double lr_t = gap * gap / (n[kHMin] + kEps);
    lr_t = std::min(lr_t, lr_t * static_cast<double>(k + 1) / (10.0 * static_cast<double>(W)));
    n[kLrT] = lr_t;
    n[kLrS] = beta * n[kLrS] + (1 - beta) * n[kLrT];
    n[kMuS] = beta * n[kMuS] + (1 - beta) * n[kMuT];
  }

  // What this step applies.
  const double factor = lr() / opt_.lr;
  double step_lr = (opt_.smooth ? n[kLrS] : n[kLrT]) * factor;
  const double step_mu = opt_.smooth ? n[kMuS] : n[kMuT];
  if (opt_.adapt_clip && step_lr * std::sqrt(G) >= opt_.catastrophic_move_thresh)
    step_lr = opt_.catastrophic_move_thresh / std::sqrt(G + kEps);
  double update_scale = scale;
  if (opt_.adapt_clip && exploding) update_scale *= clip_factor(std::sqrt(h_max_prev) + kEps, std::sqrt(G));

  n[kIter] = static_cast<double>(k + 1);
  s_ = n;
  last_ = {.iter = k,
           .grad_norm_squared = G,
           .clip_scale = scale,
           .h_min = n[kHMin],
           .h_max = n[kHMax],
           .grad_var = var,
           .dist_to_opt = dist,
           .mu_t = n[kMuT],
           .lr_t = n[kLrT],
           .mu_s = n[kMuS],
           .lr_s = n[kLrS],
           .lr = step_lr,
           .momentum = step_mu,
           .update_scale = update_scale,
           .exploding = opt_.adapt_clip && exploding};
}

void YellowFin::update(const Tensor& param, const Tensor& grad, ParamState& state) {
  const int64_t n = param.numel();
  Tensor& buf = buffer(param, state, "momentum", 0);
  detail::float_switch(param.dtype(), "yellowfin", [&]<typename T>() {
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* b = buf.data<T>();
    const T lr_t = static_cast<T>(last_.lr), mu = static_cast<T>(last_.momentum);
    const T sc = static_cast<T>(last_.update_scale), wd = static_cast<T>(opt_.weight_decay);
    detail::bool_switch(last_.momentum == 0, [&](auto plain_c) {
      detail::parallel_range(n, [&](int64_t lo, int64_t hi) {
#pragma omp simd
        for (int64_t i = lo; i < hi; ++i) {
          const T d = sc * g[i] + wd * p[i];
          if constexpr (detail::flag_v<decltype(plain_c)>) {
            // No momentum (the first step's default): PyTorch keeps no
            // buffer, so the first step with momentum starts it at d.
            b[i] = 0;
            p[i] -= lr_t * d;
          } else {
            const T m = mu * b[i] + d;
            b[i] = m;
            p[i] -= lr_t * m;
          }
        }
      });
    });
  });
}

NamedTensors YellowFin::global_state() const {
  NamedTensors out;
  for (int f = 0; f < kFields; ++f)
    out.emplace_back(std::string("yellowfin.") + field_name(f), Tensor::scalar(s_[f], DType::f64));
  out.emplace_back("yellowfin.curv_win",
                   Tensor::from_vector(curv_win_, Shape{static_cast<int64_t>(curv_win_.size())}));
  return out;
}

std::function<void()> YellowFin::load_global_state(const TakeEntry& take) {
  std::array<double, kFields> n{};
  for (int f = 0; f < kFields; ++f) {
    const std::string key = std::string("yellowfin.") + field_name(f);
    const Tensor* t = take(key);
    TERN_CHECK(t, "optimizer state: missing '", key, "'; a yellowfin optimizer keeps its tuner as 'yellowfin.*'");
    TERN_CHECK(t->numel() == 1, "optimizer state: '", key, "' should hold one number, got shape ",
               shape_str(t->shape()));
    const double v = t->item();
    TERN_CHECK(std::isfinite(v), "optimizer state: '", key, "' must be finite, got ", v);
    n[f] = v;
  }
  const double iter = n[kIter];
  TERN_CHECK(iter >= 0 && iter == std::floor(iter) && iter < 9.0e15,
             "optimizer state: 'yellowfin.iter' should be an integer >= 0, got ", iter);
  for (int f : {kHMin, kHMax, kGradNormSquaredAvg, kGradNormAvg, kDistToOptAvg, kSparsityAvg, kLrT, kMuT, kLrS, kMuS})
    TERN_CHECK(n[f] >= 0, "optimizer state: 'yellowfin.", field_name(f), "' must be >= 0, got ", n[f]);
  const Tensor* w = take("yellowfin.curv_win");
  TERN_CHECK(w, "optimizer state: missing 'yellowfin.curv_win'");
  TERN_CHECK(w->shape() == Shape{opt_.curv_win}, "optimizer state: 'yellowfin.curv_win' has shape ",
             shape_str(w->shape()), ", this optimizer's curv_win needs [", opt_.curv_win, "]");
  TERN_CHECK_TYPE(is_floating(w->dtype()), "optimizer state: 'yellowfin.curv_win' has dtype ",
                  dtype_name(w->dtype()), ", expected a floating-point tensor");
  std::vector<double> win = contiguous(*w).to_vector<double>();
  for (double v : win)
    TERN_CHECK(std::isfinite(v) && v >= 0, "optimizer state: 'yellowfin.curv_win' holds ", v,
               ", expected finite values >= 0");
  return [this, n, win = std::move(win)] {
    s_ = n;
    curv_win_ = win;
    last_ = {};
  };
}

}  // namespace tern::optim
