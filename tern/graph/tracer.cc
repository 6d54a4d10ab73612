#include "tern/graph/tracer.h"

#include <thread>
#include <unordered_map>

#include "tern/base/philox.h"
#include "tern/ops/dispatch.h"

namespace tern::graph {

namespace {

class Recorder : public OpObserver {
 public:
  Recorder(Graph& g, const std::vector<Tensor>& args) : g_(g), thread_(std::this_thread::get_id()) {
    for (const Tensor& a : args) {
      TERN_CHECK(a.defined(), "staged function: argument ", g_.inputs().size(), " is an undefined tensor");
      const int v = g_.add_input(a.dtype(), a.shape(), a.shape());
      ids_.try_emplace(a.impl(), v);  // the same tensor passed twice reads the first input
      by_storage_.emplace(a.storage().get(), std::make_pair(a, v));
      keep_.push_back(a);
    }
  }

  void on_op(OpKind kind, const Tensor* in, int nin, const Attrs& attrs, const Tensor* out, int nout,
             int64_t) override {
    if (std::this_thread::get_id() != thread_) return;  // another thread's ops are not ours
    std::vector<int> ins(static_cast<size_t>(nin), -1);
    uint32_t detached = 0;
    for (int i = 0; i < nin; ++i) {
      if (!in[i].defined()) continue;
      bool alias = false;
      ins[static_cast<size_t>(i)] = value_of(in[i], op_name(kind), &alias);
      if (alias) detached |= 1u << i;
    }
    std::vector<TensorMeta> metas(static_cast<size_t>(nout));
    for (int k = 0; k < nout; ++k) metas[static_cast<size_t>(k)] = {out[k].shape(), out[k].dtype()};
    g_.add_node(kind, attrs, ins, metas);
    Node& node = g_.nodes().back();
    node.detached = detached;
    if (is_random(kind)) {
      const int64_t seed = attrs.ints[attrs.ints.size() - 2];
      node.fresh_random = static_cast<uint64_t>(seed) == default_generator().seed();
    }
    for (int k = 0; k < nout; ++k) {
      ids_[out[k].impl()] = node.outputs[static_cast<size_t>(k)];
      keep_.push_back(out[k]);  // keeps impls alive so no address is reused during the trace
      by_storage_.emplace(out[k].storage().get(), std::make_pair(out[k], node.outputs[static_cast<size_t>(k)]));
    }
  }

  // The value `t` reads. A tensor made without an op that has exactly the
  // data and layout of an argument or an op's output is that value read
  // through detach() (autograd's saved tensors are such aliases too):
  // *alias is set. Other tensors sharing such data (raw views) are refused.
  int value_of(const Tensor& t, const char* user, bool* alias) {
    *alias = false;
    if (auto it = ids_.find(t.impl()); it != ids_.end()) return it->second;
    const auto [first, last] = by_storage_.equal_range(t.storage().get());
    for (auto it = first; it != last; ++it) {
      const Tensor& o = it->second.first;
      if (o.offset() == t.offset() && o.shape() == t.shape() && o.strides() == t.strides() && o.dtype() == t.dtype()) {
        *alias = true;
        return it->second.second;
      }
    }
    if (first != last)
      throw NotImplementedError(str_cat(
          "staged function: ", user, " reads a view of an argument or an intermediate that was not made by ",
          "an op; its data would be stale when the graph is replayed. Make the view with ops (reshape, slice, ",
          "...), or pass it as an argument"));
    const int v = g_.add_capture(t, false);
    ids_.emplace(t.impl(), v);
    return v;
  }

  void release() {
    ids_.clear();
    by_storage_.clear();
    keep_.clear();
  }

 private:
  Graph& g_;
  std::thread::id thread_;
  std::unordered_map<const TensorImpl*, int> ids_;
  std::vector<Tensor> keep_;
  // Arguments and op outputs by storage, to recognise detach()-style aliases.
  std::unordered_multimap<const Storage*, std::pair<Tensor, int>> by_storage_;
};

thread_local int t_tracing = 0;

struct ObserverGuard {
  explicit ObserverGuard(OpObserver* o) : obs(o) {
    add_observer(o);
    ++t_tracing;
  }
  ~ObserverGuard() {
    remove_observer(obs);
    --t_tracing;
  }
  OpObserver* obs;
};

}  // namespace

bool tracing_now() { return t_tracing > 0; }

Trace trace(const StagedFn& fn, const std::vector<Tensor>& args) {
  Trace t;
  Recorder rec(t.graph, args);
  {
    ObserverGuard guard(&rec);
    t.outputs = fn(args);
  }
  std::vector<int> outs;
  std::vector<bool> detached;
  for (size_t k = 0; k < t.outputs.size(); ++k) {
    TERN_CHECK(t.outputs[k].defined(), "staged function: output ", k, " is an undefined tensor");
    bool alias = false;
    outs.push_back(rec.value_of(t.outputs[k], "its return value", &alias));
    detached.push_back(alias);
  }
  t.graph.set_outputs(outs);
  t.graph.set_detached_outputs(detached);
  rec.release();
  // Only the graph (and perhaps the returned outputs) still hold a tensor made
  // inside fn without an op: nobody can change it, so it is a constant.
  for (Value& v : t.graph.values())
    if (v.kind == ValueKind::capture)
      v.constant = v.captured.impl_ptr().use_count() == 1 && !v.captured.requires_grad();
  return t;
}

}  // namespace tern::graph
