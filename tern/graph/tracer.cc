#include "tern/graph/tracer.h"

#include <thread>
#include <unordered_map>
#include <unordered_set>

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
      arg_storages_.insert(a.storage().get());
      keep_.push_back(a);
    }
  }

  void on_op(OpKind kind, const Tensor* in, int nin, const Attrs& attrs, const Tensor* out, int nout,
             int64_t) override {
    if (std::this_thread::get_id() != thread_) return;  // another thread's ops are not ours
    std::vector<int> ins(static_cast<size_t>(nin), -1);
    for (int i = 0; i < nin; ++i)
      if (in[i].defined()) ins[static_cast<size_t>(i)] = value_of(in[i], op_name(kind));
    std::vector<TensorMeta> metas(static_cast<size_t>(nout));
    for (int k = 0; k < nout; ++k) metas[static_cast<size_t>(k)] = {out[k].shape(), out[k].dtype()};
    g_.add_node(kind, attrs, ins, metas);
    Node& node = g_.nodes().back();
    if (is_random(kind)) {
      const int64_t seed = attrs.ints[attrs.ints.size() - 2];
      node.fresh_random = static_cast<uint64_t>(seed) == default_generator().seed();
    }
    for (int k = 0; k < nout; ++k) {
      ids_[out[k].impl()] = node.outputs[static_cast<size_t>(k)];
      keep_.push_back(out[k]);  // keeps impls alive so no address is reused during the trace
      bool fresh = true;
      for (int i = 0; i < nin; ++i)
        if (in[i].defined() && in[i].storage() == out[k].storage()) fresh = false;
      if (fresh) born_.insert(out[k].storage().get());
    }
  }

  int value_of(const Tensor& t, const char* user) {
    if (auto it = ids_.find(t.impl()); it != ids_.end()) return it->second;
    const Storage* s = t.storage().get();
    if (born_.count(s) || arg_storages_.count(s))
      throw NotImplementedError(str_cat(
          "staged function: ", user, " reads a tensor that shares data with an argument or an ",
          "intermediate but was not made by an op (detach() or a raw view?); its data would be stale when the ",
          "graph is replayed. Make it with ops, or pass it as an argument"));
    const int v = g_.add_capture(t, false);
    ids_.emplace(t.impl(), v);
    return v;
  }

  void release() {
    ids_.clear();
    keep_.clear();
  }

 private:
  Graph& g_;
  std::thread::id thread_;
  std::unordered_map<const TensorImpl*, int> ids_;
  std::vector<Tensor> keep_;
  std::unordered_set<const Storage*> born_, arg_storages_;
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
  for (size_t k = 0; k < t.outputs.size(); ++k) {
    TERN_CHECK(t.outputs[k].defined(), "staged function: output ", k, " is an undefined tensor");
    outs.push_back(rec.value_of(t.outputs[k], "its return value"));
  }
  t.graph.set_outputs(outs);
  rec.release();
  // Only the graph (and perhaps the returned outputs) still hold a tensor made
  // inside fn without an op: nobody can change it, so it is a constant.
  for (Value& v : t.graph.values())
    if (v.kind == ValueKind::capture)
      v.constant = v.captured.impl_ptr().use_count() == 1 && !v.captured.requires_grad();
  return t;
}

}  // namespace tern::graph
