// The single dispatch point. Public op functions (ops.h) call dispatch();
// nothing else runs kernels. Cross-cutting concerns hang off this point:
// autograd recording, tracing (graph staging), profiling, device choice.
#pragma once

#include <functional>
#include <initializer_list>

#include "tern/ops/opdef.h"

namespace tern {

// Runs `kind` on `in` and writes its outputs to `out` (which must have room
// for kMaxOutputs). Returns the number of outputs.
int dispatch(OpKind kind, const Tensor* in, int nin, const Attrs& attrs, Tensor* out);

// Convenience for single-output ops.
Tensor dispatch1(OpKind kind, std::initializer_list<Tensor> in, const Attrs& attrs = {});
Tensor dispatch1(OpKind kind, std::initializer_list<Tensor> in, Attrs&& attrs);

// Runs a specific kernel, bypassing selection (op_db compares kernels).
// Returns false if the kernel declines (supports() is false).
bool run_kernel(const Kernel& kernel, OpKind kind, const Tensor* in, int nin, const Attrs& attrs,
                Tensor* out, int* nout);

// Thread-local switches checked once per dispatch.
struct DispatchState {
  bool grad_enabled = true;
};
DispatchState& dispatch_state();

// Observers see every op call after it ran (tracer, profiler). While any is
// installed dispatch costs a little more; with none installed, nothing.
struct OpObserver {
  virtual ~OpObserver() = default;
  virtual void on_op(OpKind kind, const Tensor* in, int nin, const Attrs& attrs, const Tensor* out,
                     int nout, int64_t kernel_ns) = 0;
};
void add_observer(OpObserver* obs);
void remove_observer(OpObserver* obs);

// Autograd installs its recorder here (it lives in a higher layer).
using AutogradRecordFn = void (*)(const OpDef& def, const Tensor* in, int nin, const Attrs& attrs,
                                  Tensor* out, int nout);
void set_autograd_recorder(AutogradRecordFn fn);

}  // namespace tern
