#include "tern/graph/staged_bench.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <time.h>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/base/parallel.h"
#include "tern/base/timer.h"
#include "tern/graph/function.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::graph {

namespace {

using Ts = std::vector<Tensor>;

struct Workload {
  std::string what;
  std::function<Ts(const Ts&)> body;  // the function that is staged
  Ts args;
  bool backward = false;              // call backward() on output 0 after each call
  bool staged_no_grad = false;        // the staged call computes its gradients itself
  int calls = 0;
};

// L2HMC-style leapfrog (Levy et al., ICLR 2018): 10 steps on a [16, 2] state,
// each step running three tiny MLPs (scale, translation, transformation of the
// momentum) on a Gaussian potential: about 200 small ops per call.
Workload l2hmc() {
  struct Net {
    Tensor w1 = randn({10, 2}) * 0.3, b1 = zeros({10}), ws = randn({2, 10}) * 0.3, wt = randn({2, 10}) * 0.3,
           wq = randn({2, 10}) * 0.3;
  };
  auto net = std::make_shared<Net>();
  Workload w;
  w.what = "L2HMC leapfrog: 10 steps, state [16, 2], 3 small MLPs per half-step";
  w.body = [net](const Ts& a) {
    const double eps = 0.1;
    Tensor x = a[0], v = a[1];
    for (int step = 0; step < 10; ++step) {
      const Tensor h = relu(linear(x, net->w1, net->b1));
      const Tensor s = tanh(linear(h, net->ws)) * (0.5 * eps), t = linear(h, net->wt), q = tanh(linear(h, net->wq));
      v = v * exp(s) - (x * exp(q) + t) * (0.5 * eps);  // dU/dx = x for U = |x|^2 / 2
      x = x + v * eps;
      v = v - x * (0.5 * eps);
    }
    return Ts{x, v};
  };
  w.args = {randn({16, 2}), randn({16, 2})};
  w.calls = 300;
  return w;
}

// mode: "train" (loss.backward() through the staged call), "inference", or
// "step" (the function returns autograd::grad, so backward is staged too).
Workload model_step(const std::string& name, int64_t batch, int calls, const std::string& mode) {
  const nn::ModelSpec& spec = nn::find_model(name);
  nn::ModulePtr m = nn::make_model(name, spec.defaults);
  Workload w;
  w.what = mode == "inference" ? str_cat(name, " inference (eval mode, no gradients), batch ", batch)
           : mode == "step"    ? str_cat(name, " training step with backward staged (autograd::grad in the function), batch ", batch)
                               : str_cat(name, " training step (loss.backward() through the staged call), batch ", batch);
  if (mode == "inference") m->eval();
  w.body = [m](const Ts& a) { return Ts{cross_entropy((*m)(a[0]), a[1])}; };
  if (mode == "step") {
    const std::vector<Tensor> params = m->parameters();
    w.body = [m, params](const Ts& a) {
      const Tensor loss = cross_entropy((*m)(a[0]), a[1]);
      Ts out = autograd::grad(loss, params);
      out.push_back(loss);
      return out;
    };
    w.staged_no_grad = true;
  }
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < batch; ++i) labels.push_back(i % spec.defaults.num_classes);
  w.args = {randn({batch, spec.defaults.in_channels, spec.defaults.image_size, spec.defaults.image_size}),
            Tensor::from_vector<int64_t>(labels, {batch})};
  w.backward = mode == "train";
  w.calls = calls;
  return w;
}

// CPU time of the calling thread: on a shared machine, unlike wall time, it
// does not count the time slices other processes take.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

StagedBenchResult bench_staged(const StagedBenchOptions& o) {
  TERN_CHECK(o.workload == "l2hmc" || o.workload == "mlp" || o.workload == "resnet20",
             "unknown workload '", o.workload, "' (l2hmc, mlp, resnet20)");
  TERN_CHECK(o.calls >= 0, "--calls must be >= 0, got ", o.calls);
  TERN_CHECK(!o.cpu_time || o.threads == 1, "--cpu-time needs --threads 1 (other threads' time is not counted)");
  if (o.threads != 0) set_num_threads(o.threads);
  manual_seed(1);
  TERN_CHECK(!(o.inference && o.staged_backward), "--inference and --staged-backward exclude each other");
  const std::string mode = o.inference ? "inference" : o.staged_backward ? "step" : "train";
  Workload w = o.workload == "l2hmc" ? l2hmc()
               : o.workload == "mlp" ? model_step("mlp", 32, 300, mode)
                                      : model_step("resnet20", 64, 6, mode);
  std::optional<NoGradGuard> no_grad;
  if (o.inference) no_grad.emplace();
  if (o.calls > 0) w.calls = o.calls;
  FunctionOptions options{o.workload};
  options.stage_backward = !o.tape_backward;
  Function staged = function(w.body, options);
  const auto once = [&](bool use_graph) {
    Timer t;
    const double cpu0 = thread_cpu_ms();
    {
      std::optional<NoGradGuard> staged_guard;
      if (use_graph && w.staged_no_grad) staged_guard.emplace();
      const Ts out = use_graph ? staged(w.args) : w.body(w.args);
      if (w.backward) autograd::backward(out[0]);
    }
    return o.cpu_time ? thread_cpu_ms() - cpu0 : t.seconds() * 1e3;
  };
  staged(w.args);  // the trace: an eager run (with gradients, if the body takes them)
  for (int k = 0; k < 2; ++k) once(false), once(true);  // warm-up
  std::vector<double> eager_ms, staged_ms;
  for (int k = 0; k < w.calls; ++k) {
    eager_ms.push_back(once(false));
    staged_ms.push_back(once(true));
  }
  const double e = median(eager_ms), s = median(staged_ms);
  const size_t nodes = staged.last_graph()->nodes().size();
  StagedBenchResult r;
  r.description = w.what;
  r.threads = num_threads();
  r.calls = w.calls;
  r.graph_nodes = nodes;
  r.eager_ms = e;
  r.staged_ms = s;
  return r;
}

}  // namespace tern::graph
