#include "tern/ops/dispatch.h"

#include <algorithm>
#include <vector>

#include "tern/base/timer.h"

namespace tern {

namespace {

AutogradRecordFn g_autograd_record = nullptr;
std::vector<OpObserver*> g_observers;  // changed rarely, read every dispatch
bool g_have_observers = false;

bool needs_grad(const OpDef& def, const Tensor* in, int nin) {
  if (!def.grad || !dispatch_state().grad_enabled || !g_autograd_record) return false;
  for (int i = 0; i < nin; ++i)
    if (in[i].defined() && in[i].autograd_meta_if() &&
        (in[i].requires_grad() || in[i].autograd_meta_if()->grad_fn))
      return true;
  return false;
}

int execute(const OpDef& def, const Tensor* in, int nin, const Attrs& attrs, Tensor* out) {
  for (int i = 0; i < nin; ++i)
    TERN_CHECK(in[i].defined(), def.name, ": input ", i, " is an undefined tensor");
  const DeviceType device = nin > 0 ? in[0].device().type : DeviceType::cpu;
  int nout = kMaxOutputs;
  if (!def.makes_own_outputs) {
    TensorMeta meta[kMaxOutputs];
    nout = def.infer(in, nin, attrs, meta);
    for (int k = 0; k < nout; ++k) out[k] = Tensor::empty(meta[k].shape, meta[k].dtype, {device, 0});
  } else if (def.infer) {
    TensorMeta meta[kMaxOutputs];
    nout = def.infer(in, nin, attrs, meta);  // validates arguments
  }
  KernelArgs args{in, nin, out, nout, attrs};
  for (const Kernel& k : def.kernels[static_cast<int>(device)]) {
    if (k.supports && !k.supports(args)) continue;
    k.fn(args);
    return nout;
  }
  throw NotImplementedError(str_cat(def.name, ": no ", device_name(device), " kernel for these inputs (dtype ",
                                    nin ? dtype_name(in[0].dtype()) : "-", ")"));
}

}  // namespace

DispatchState& dispatch_state() {
  thread_local DispatchState state;
  return state;
}

// Ops that kernels call internally (a kernel may use public ops) run at
// depth > 0: they are neither recorded by autograd nor shown to observers.
thread_local int t_depth = 0;
struct DepthGuard {
  DepthGuard() { ++t_depth; }
  ~DepthGuard() { --t_depth; }
};

int dispatch(OpKind kind, const Tensor* in, int nin, const Attrs& attrs, Tensor* out) {
  const OpDef& def = op_def(kind);
  if (t_depth > 0) {
    DepthGuard nested;
    return execute(def, in, nin, attrs, out);
  }
  const bool record = needs_grad(def, in, nin);
  DepthGuard depth;
  int nout;
  if (g_have_observers) [[unlikely]] {
    const int64_t t0 = now_ns();
    nout = execute(def, in, nin, attrs, out);
    const int64_t dt = now_ns() - t0;
    for (OpObserver* obs : g_observers) obs->on_op(kind, in, nin, attrs, out, nout, dt);
  } else {
    nout = execute(def, in, nin, attrs, out);
  }
  if (record) {
    --t_depth;  // recording happens at the caller's level
    g_autograd_record(def, in, nin, attrs, out, nout);
    ++t_depth;
  }
  return nout;
}

Tensor dispatch1(OpKind kind, std::initializer_list<Tensor> in, const Attrs& attrs) {
  Tensor out[kMaxOutputs];
  dispatch(kind, in.begin(), static_cast<int>(in.size()), attrs, out);
  return std::move(out[0]);
}

Tensor dispatch1(OpKind kind, std::initializer_list<Tensor> in, Attrs&& attrs) {
  Tensor out[kMaxOutputs];
  dispatch(kind, in.begin(), static_cast<int>(in.size()), attrs, out);
  return std::move(out[0]);
}

bool run_kernel(const Kernel& kernel, OpKind kind, const Tensor* in, int nin, const Attrs& attrs,
                Tensor* out, int* nout) {
  const OpDef& def = op_def(kind);
  TensorMeta meta[kMaxOutputs];
  int n = def.infer ? def.infer(in, nin, attrs, meta) : kMaxOutputs;
  if (!def.makes_own_outputs)
    for (int k = 0; k < n; ++k) out[k] = Tensor::empty(meta[k].shape, meta[k].dtype);
  KernelArgs args{in, nin, out, n, attrs};
  if (kernel.supports && !kernel.supports(args)) return false;
  kernel.fn(args);
  *nout = n;
  return true;
}

void add_observer(OpObserver* obs) {
  g_observers.push_back(obs);
  g_have_observers = true;
}

void remove_observer(OpObserver* obs) {
  g_observers.erase(std::remove(g_observers.begin(), g_observers.end(), obs), g_observers.end());
  g_have_observers = !g_observers.empty();
}

void set_autograd_recorder(AutogradRecordFn fn) { g_autograd_record = fn; }

}  // namespace tern
