#include "tern/graph/executor.h"

#include "tern/base/philox.h"
#include "tern/ops/dispatch.h"

namespace tern::graph {

// A fresh (seed, offset) from the default generator, reserving as many
// numbers as the eager op would.
void detail::redraw_random(const Node& n, const Tensor* in, Attrs& a) {
  int64_t count = 1;
  if (n.kind == OpKind::dropout) count = in[0].numel();
  else
    for (size_t i = 0; i + 2 < a.ints.size(); ++i) count *= a.ints[i];
  Generator& gen = default_generator();
  a.ints[a.ints.size() - 2] = static_cast<int64_t>(gen.seed());
  a.ints.back() = static_cast<int64_t>(gen.reserve(static_cast<uint64_t>(count)));
}

Executor::Executor(std::shared_ptr<const Graph> graph, bool planned, bool fuse)
    : graph_(std::move(graph)), planned_(planned), fuse_(fuse) {
  const Graph& g = *graph_;
  std::vector<int>& last_use = last_use_;
  last_use.assign(g.values().size(), -1);
  for (size_t p = 0; p < g.nodes().size(); ++p)
    for (int v : g.nodes()[p].inputs)
      if (v >= 0) last_use[static_cast<size_t>(v)] = static_cast<int>(p);
  for (int v : g.outputs()) last_use[static_cast<size_t>(v)] = -1;  // outputs live to the end
  release_after_.resize(g.nodes().size());
  for (size_t v = 0; v < last_use.size(); ++v)
    if (last_use[v] >= 0 && g.values()[v].kind != ValueKind::capture)
      release_after_[static_cast<size_t>(last_use[v])].push_back(static_cast<int>(v));
  // A planned buffer is overwritten by the next call, so it may hold neither
  // a graph output nor anything a view op (which could become an output)
  // aliases.
  buffered_.assign(g.values().size(), true);
  for (const Value& v : g.values())
    if (v.kind == ValueKind::capture) captures_.push_back(v.id);
  for (int v : g.outputs()) buffered_[static_cast<size_t>(v)] = false;
  for (const Node& n : g.nodes())
    if (op_def(n.kind).makes_own_outputs)
      for (int v : n.inputs)
        if (v >= 0) buffered_[static_cast<size_t>(v)] = false;
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) {
  TERN_CHECK(args.size() == graph_->inputs().size(), "staged graph takes ", graph_->inputs().size(),
             " arguments, got ", args.size());
  TERN_CHECK(static_cast<int>(symbols.size()) == graph_->num_symbols(), "staged graph has ", graph_->num_symbols(),
             " symbolic dims, got ", symbols.size(), " values");
  if (planned_ && can_plan(args)) return run_planned(args, symbols);
  return run_dispatch(args, symbols);
}

std::vector<Tensor> Executor::run_dispatch(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols,
                                           std::vector<std::vector<TensorMeta>>* metas) const {
  const Graph& g = *graph_;
  std::vector<Tensor> slots(g.values().size());
  for (size_t i = 0; i < args.size(); ++i) slots[static_cast<size_t>(g.inputs()[i])] = args[i];
  const auto read = [&](int v) -> const Tensor& {
    const Value& val = g.values()[static_cast<size_t>(v)];
    return val.kind == ValueKind::capture ? val.captured : slots[static_cast<size_t>(v)];
  };
  Tensor in[kMaxInputs];
  Tensor out[kMaxOutputs];
  for (size_t p = 0; p < g.nodes().size(); ++p) {
    const Node& n = g.nodes()[p];
    const int nin = static_cast<int>(n.inputs.size());
    for (int i = 0; i < nin; ++i) {
      in[i] = n.inputs[static_cast<size_t>(i)] >= 0 ? read(n.inputs[static_cast<size_t>(i)]) : Tensor();
      if (n.detached >> i & 1u) in[i] = in[i].detach();
    }
    int nout;
    if (n.sym_ints.empty() && !n.fresh_random) {
      nout = dispatch(n.kind, in, nin, n.attrs, out);
    } else {
      Attrs a = resolve_attrs(n, symbols);
      if (n.fresh_random) detail::redraw_random(n, in, a);
      nout = dispatch(n.kind, in, nin, a, out);
    }
    TERN_ASSERT(nout == static_cast<int>(n.outputs.size()), op_name(n.kind), " gave ", nout, " outputs, the graph expects ",
                n.outputs.size());
    if (metas)
      for (int k = 0; k < nout; ++k) (*metas)[p].push_back({out[k].shape(), out[k].dtype()});
    for (int k = 0; k < nout; ++k) slots[static_cast<size_t>(n.outputs[static_cast<size_t>(k)])] = std::move(out[k]);
    for (int v : release_after_[p]) slots[static_cast<size_t>(v)] = Tensor();
    for (int i = 0; i < nin; ++i) in[i] = Tensor();
  }
  std::vector<Tensor> result;
  result.reserve(g.outputs().size());
  for (size_t k = 0; k < g.outputs().size(); ++k)
    result.push_back(g.output_detached(k) ? read(g.outputs()[k]).detach() : read(g.outputs()[k]));
  return result;
}

}  // namespace tern::graph
