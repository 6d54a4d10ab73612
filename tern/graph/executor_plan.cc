// The executor's planned path: kernels chosen once, output shapes from the
// plan, intermediates in buffers shared by values with disjoint lifetimes.
#include <iterator>
#include <map>

#include "tern/autograd/grad_mode.h"
#include "tern/graph/executor.h"
#include "tern/graph/fusion.h"
#include "tern/graph/tracer.h"
#include "tern/ops/dispatch.h"

namespace tern::graph {

struct Executor::Plan {
  std::vector<int64_t> symbols;                // what the plan was made for
  std::vector<Shape> arg_shapes;
  std::vector<std::vector<TensorMeta>> metas;  // per node: its outputs
  std::vector<const Kernel*> kernels;          // per node: the kernel chosen last
  std::vector<Tensor> buffers;                 // per value: its planned buffer, if any
  int64_t bytes = 0;
  std::vector<TensorMeta> value_meta;          // per value
  std::vector<FusedGroup> groups;              // fused elementwise runs
  std::vector<int> group_at;                   // per node: the group starting there, or -1
  // Reused by every call so a steady-state call allocates no bookkeeping.
  std::vector<Tensor> slots;                   // per value: its tensor during a call
  FusedScratch fused;
};

int64_t Executor::planned_bytes() const { return plan_ ? plan_->bytes : 0; }

int64_t Executor::fused_nodes() const {
  int64_t n = 0;
  if (plan_)
    for (const FusedGroup& fg : plan_->groups) n += static_cast<int64_t>(fg.steps.size());
  return n;
}

bool Executor::can_plan(const std::vector<Tensor>& args) const {
  if (tracing_now()) return false;
  for (const Tensor& a : args)
    if (a.device().type != DeviceType::cpu) return false;
  if (!grad_enabled()) return true;
  for (const Tensor& a : args)
    if (a.requires_grad() || (a.autograd_meta_if() && a.autograd_meta_if()->grad_fn)) return false;
  for (int id : captures_) {
    const Tensor& c = graph_->values()[static_cast<size_t>(id)].captured;
    if (c.requires_grad() || !c.is_leaf()) return false;
  }
  return true;
}

// Runs the graph once through dispatch (its outputs are this call's result)
// to learn every node's output shape, then assigns buffers: walking the
// schedule, a value takes the free buffer of its exact size freed last (or a
// new one) and gives it back after its last reader. Values of kPlannedBufferMaxBytes or
// more get none: they are allocated per call, as eager ops allocate.
std::vector<Tensor> Executor::make_plan(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) {
  const Graph& g = *graph_;
  auto plan = std::make_shared<Plan>();
  plan->symbols = symbols;
  for (const Tensor& a : args) plan->arg_shapes.push_back(a.shape());
  plan->metas.resize(g.nodes().size());
  plan->kernels.assign(g.nodes().size(), nullptr);
  plan->buffers.resize(g.values().size());
  std::vector<Tensor> result = run_dispatch(args, symbols, &plan->metas);
  plan->value_meta.resize(g.values().size());
  for (size_t i = 0; i < args.size(); ++i) plan->value_meta[static_cast<size_t>(g.inputs()[i])] = {args[i].shape(), args[i].dtype()};
  for (const Value& v : g.values())
    if (v.kind == ValueKind::capture) plan->value_meta[static_cast<size_t>(v.id)] = {v.captured.shape(), v.captured.dtype()};
  for (size_t p = 0; p < g.nodes().size(); ++p)
    for (size_t k = 0; k < g.nodes()[p].outputs.size(); ++k)
      plan->value_meta[static_cast<size_t>(g.nodes()[p].outputs[k])] = plan->metas[p][k];
  if (fuse_) plan->groups = find_fused_groups(g, plan->value_meta);
  plan->group_at.assign(g.nodes().size(), -1);
  for (size_t k = 0; k < plan->groups.size(); ++k) plan->group_at[plan->groups[k].first] = static_cast<int>(k);
  std::multimap<size_t, StoragePtr> free_buffers;
  for (size_t p = 0; p < g.nodes().size(); ++p) {
    const Node& n = g.nodes()[p];
    if (!op_def(n.kind).makes_own_outputs)
      for (size_t k = 0; k < n.outputs.size(); ++k) {
        const int v = n.outputs[k];
        if (!buffered_[static_cast<size_t>(v)]) continue;
        const TensorMeta& m = plan->metas[p][k];
        const size_t bytes = static_cast<size_t>(numel_of(m.shape)) * itemsize(m.dtype);
        if (bytes >= kPlannedBufferMaxBytes) continue;  // the allocator's, at run time
        StoragePtr storage;
        // The buffer freed last (equal keys keep insertion order): still in
        // cache, as the eager allocator's last-in first-out reuse is.
        if (auto [lo, hi] = free_buffers.equal_range(bytes); lo != hi) {
          const auto it = std::prev(hi);
          storage = it->second;
          free_buffers.erase(it);
        } else {
          storage = Tensor::empty(m.shape, m.dtype).storage();
          plan->bytes += static_cast<int64_t>(bytes);
        }
        auto impl = std::make_shared<TensorImpl>();
        impl->storage = storage;
        impl->shape = m.shape;
        impl->strides = contiguous_strides(m.shape);
        impl->dtype = m.dtype;
        plan->buffers[static_cast<size_t>(v)] = Tensor(std::move(impl));
      }
    for (int v : release_after_[p]) {
      const Tensor& b = plan->buffers[static_cast<size_t>(v)];
      if (b.defined()) free_buffers.emplace(b.nbytes(), b.storage());
    }
  }
  plan_ = std::move(plan);
  return result;
}

// Runs a fused group if its external inputs are contiguous f32 now (an
// argument may not be); returns false to run its nodes one by one instead.
template <typename Read>
bool Executor::run_group(Plan& plan, const FusedGroup& fg, std::vector<Tensor>& slots, const Read& read) {
  std::vector<const float*>& ext = plan.fused.ext;
  std::vector<int64_t>& ext_numel = plan.fused.ext_numel;
  ext.resize(fg.externals.size());
  ext_numel.resize(fg.externals.size());
  for (size_t e = 0; e < fg.externals.size(); ++e) {
    const Tensor& t = read(fg.externals[e]);
    if (!t.defined() || t.dtype() != DType::f32 || !t.is_contiguous() || t.device().type != DeviceType::cpu)
      return false;
    ext[e] = t.data<float>();
    ext_numel[e] = t.numel();
  }
  std::vector<float*>& dst = plan.fused.dst;
  dst.assign(fg.steps.size(), nullptr);
  for (size_t s = 0; s < fg.steps.size(); ++s) {
    const FusedStep& st = fg.steps[s];
    if (!st.write) continue;
    const Tensor& b = plan.buffers[static_cast<size_t>(st.value)];
    const TensorMeta& m = plan.value_meta[static_cast<size_t>(st.value)];
    Tensor& slot = slots[static_cast<size_t>(st.value)];
    slot = b.defined() ? b : Tensor::empty(m.shape, m.dtype);
    dst[s] = slot.data<float>();
  }
  run_fused(fg, plan.fused);
  for (size_t p = fg.first; p <= fg.last; ++p)
    for (int v : release_after_[p]) slots[static_cast<size_t>(v)] = Tensor();
  return true;
}

std::vector<Tensor> Executor::run_planned(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) {
  const Graph& g = *graph_;
  bool fresh = plan_ && plan_->symbols == symbols && plan_->arg_shapes.size() == args.size();
  for (size_t i = 0; fresh && i < args.size(); ++i) fresh = plan_->arg_shapes[i] == args[i].shape();
  ++planned_calls_;
  if (!fresh) return make_plan(args, symbols);
  Plan& plan = *plan_;
  std::vector<Tensor>& slots = plan.slots;
  slots.resize(g.values().size());
  for (size_t i = 0; i < args.size(); ++i) slots[static_cast<size_t>(g.inputs()[i])] = args[i];
  Tensor in[kMaxInputs];
  Tensor out[kMaxOutputs];
  const auto read = [&](int v) -> const Tensor& {
    const Value& val = g.values()[static_cast<size_t>(v)];
    return val.kind == ValueKind::capture ? val.captured : slots[static_cast<size_t>(v)];
  };
  for (size_t p = 0; p < g.nodes().size(); ++p) {
    if (plan.group_at[p] >= 0 && run_group(plan, plan.groups[static_cast<size_t>(plan.group_at[p])], slots, read)) {
      p = plan.groups[static_cast<size_t>(plan.group_at[p])].last;
      continue;
    }
    const Node& n = g.nodes()[p];
    const OpDef& def = op_def(n.kind);
    const int nin = static_cast<int>(n.inputs.size()), nout = static_cast<int>(n.outputs.size());
    for (int i = 0; i < nin; ++i) {
      const int v = n.inputs[static_cast<size_t>(i)];
      if (v < 0) in[i] = Tensor();
      else if (g.values()[static_cast<size_t>(v)].kind == ValueKind::capture) in[i] = g.values()[static_cast<size_t>(v)].captured;
      else in[i] = slots[static_cast<size_t>(v)];
    }
    Attrs resolved;
    const bool plain = n.sym_ints.empty() && !n.fresh_random;
    if (!plain) {
      resolved = resolve_attrs(n, symbols);
      if (n.fresh_random) detail::redraw_random(n, in, resolved);
    }
    const Attrs& attrs = plain ? n.attrs : resolved;
    if (!def.makes_own_outputs)
      for (int k = 0; k < nout; ++k) {
        const Tensor& b = plan.buffers[static_cast<size_t>(n.outputs[static_cast<size_t>(k)])];
        const TensorMeta& m = plan.metas[p][static_cast<size_t>(k)];
        out[k] = b.defined() ? b : Tensor::empty(m.shape, m.dtype);
      }
    KernelArgs ka{in, nin, out, nout, attrs};
    const Kernel* kernel = plan.kernels[p];
    if (!kernel || (kernel->supports && !kernel->supports(ka))) {
      kernel = nullptr;
      for (const Kernel& k : def.kernels[static_cast<int>(DeviceType::cpu)])
        if (!k.supports || k.supports(ka)) {
          kernel = &k;
          break;
        }
      if (!kernel)
        throw NotImplementedError(str_cat(def.name, ": no cpu kernel for these inputs (staged graph node ", n.id, ")"));
      plan.kernels[p] = kernel;
    }
    kernel->fn(ka);
    for (int k = 0; k < nout; ++k) slots[static_cast<size_t>(n.outputs[static_cast<size_t>(k)])] = std::move(out[k]);
    for (int v : release_after_[p]) slots[static_cast<size_t>(v)] = Tensor();
  }
  for (int i = 0; i < kMaxInputs; ++i) in[i] = Tensor();
  std::vector<Tensor> result;
  result.reserve(g.outputs().size());
  for (int v : g.outputs()) {
    const Value& val = g.values()[static_cast<size_t>(v)];
    result.push_back(val.kind == ValueKind::capture ? val.captured : slots[static_cast<size_t>(v)]);
  }
  for (Tensor& t : slots) t = Tensor();  // hold nothing between calls
  return result;
}

}  // namespace tern::graph
