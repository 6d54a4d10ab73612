#include "tern/graph/staged_backward.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <unordered_map>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/autograd/node.h"
#include "tern/graph/state_snapshot.h"
#include "tern/graph/subgraph.h"
#include "tern/graph/symbolic.h"
#include "tern/graph/tracer.h"
#include "tern/graph/verify.h"
#include "tern/ops/ops.h"

namespace tern::graph {

namespace {

// The tape node's attrs hold {registry key, number of wrt inputs, number of
// symbols, the symbols' values, then per gradient input its rank and dims}:
// a GradFn is a plain function, so it finds its StagedBackward and the
// call's sizes there.
std::mutex g_registry_mu;
std::unordered_map<int64_t, StagedBackward*> g_registry;
int64_t g_next_id = 1;

void staged_call_grad(GradArgs& a) {
  StagedBackward* sb = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_registry_mu);
    const auto it = g_registry.find(a.attrs.i(0));
    TERN_CHECK(it != g_registry.end(), "backward: the staged function of this call was destroyed before backward()");
    sb = it->second;
  }
  const int nwrt = static_cast<int>(a.attrs.i(1));
  size_t k = 3 + static_cast<size_t>(a.attrs.i(2));
  const std::vector<int64_t> symbols(a.attrs.ints.begin() + 3, a.attrs.ints.begin() + static_cast<std::ptrdiff_t>(k));
  std::vector<Shape> gout_shapes;
  while (k < a.attrs.ints.size()) {
    const size_t rank = static_cast<size_t>(a.attrs.i(k));
    gout_shapes.push_back(a.attrs.shape_at(k + 1, rank));
    k += 1 + rank;
  }
  sb->run_backward(a.in + nwrt, a.gout, a.nout, a.needs, a.gin, symbols, gout_shapes);
}

const OpDef& staged_call_def() {
  static const OpDef def = [] {
    OpDef d;
    d.name = "staged_call";
    d.grad = &staged_call_grad;
    return d;
  }();
  return def;
}

// Where t's gradient goes: its producing node, or its AccumulateGrad node
// (made here if backward has not made one yet, as the engine would).
autograd::Edge edge_of(const Tensor& t) {
  AutogradMeta& meta = const_cast<Tensor&>(t).autograd_meta();
  if (meta.grad_fn) return {meta.grad_fn, meta.output_nr};
  if (auto acc = meta.accumulator.lock()) return {acc, 0};
  auto acc = std::make_shared<autograd::Node>();
  acc->leaf = t.impl_ptr();
  acc->in_meta.push_back({t.shape(), t.dtype()});
  meta.accumulator = acc;
  return {acc, 0};
}

}  // namespace

bool needs_grad(const Tensor& t) {
  const AutogradMeta* m = t.autograd_meta_if();
  return m && (m->requires_grad || m->grad_fn);
}

// Forward values (arguments, or outputs of the first `forward_nodes` nodes)
// that the rest of trace `t` -- the gradient -- reads: what F must return.
static std::vector<int> saved_values(const Graph& t, size_t num_args, size_t forward_nodes, size_t num_outputs) {
  std::vector<bool> forward(t.values().size(), false);
  for (size_t i = 0; i < num_args; ++i) forward[static_cast<size_t>(t.inputs()[i])] = true;
  for (size_t p = 0; p < forward_nodes; ++p)
    for (int v : t.nodes()[p].outputs) forward[static_cast<size_t>(v)] = true;
  std::vector<int> saved;
  std::set<int> seen;
  const auto note = [&](int v) {
    if (v >= 0 && forward[static_cast<size_t>(v)] && seen.insert(v).second) saved.push_back(v);
  };
  for (size_t p = forward_nodes; p < t.nodes().size(); ++p)
    for (int v : t.nodes()[p].inputs) note(v);
  for (size_t k = num_outputs; k < t.outputs().size(); ++k) note(t.outputs()[k]);
  return saved;
}

// ids[first, end) ++ more.
static std::vector<int> concat(const std::vector<int>& ids, size_t first, size_t end, const std::vector<int>& more = {}) {
  std::vector<int> out(ids.begin() + static_cast<std::ptrdiff_t>(first), ids.begin() + static_cast<std::ptrdiff_t>(end));
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

StagedBackward::StagedBackward(const Graph& g, const std::vector<Tensor>& args, const std::vector<int64_t>& symbols,
                               passes::PassManager& passes) {
  choose_wrt(g, args);
  const Trace t = g.num_symbols() > 0 ? trace_symbolic_gradient(g, args, symbols) : trace_gradient(g, args, symbols);
  const Graph& tg = t.graph;
  const size_t n = args.size(), nf = g.nodes().size();
  TERN_ASSERT(tg.nodes().size() >= nf, "staged backward: the replay recorded fewer nodes than the graph has");
  for (size_t p = 0; p < nf; ++p)
    TERN_ASSERT(tg.nodes()[p].kind == g.nodes()[p].kind, "staged backward: the replay recorded other ops");

  // Cut: F = the first nf nodes, returning outputs ++ saved; B = the rest,
  // taking output gradients ++ saved and returning the gradients.
  const std::vector<int> saved = saved_values(tg, n, nf, num_outputs_);
  auto fwd = std::make_shared<Graph>(
      subgraph(tg, 0, nf, concat(tg.inputs(), 0, n), concat(tg.outputs(), 0, num_outputs_, saved)));
  auto bwd = std::make_shared<Graph>(subgraph(tg, nf, tg.nodes().size(), concat(tg.inputs(), n, tg.inputs().size(), saved),
                                              concat(tg.outputs(), num_outputs_, tg.outputs().size())));
  fwd->set_input_symbols(g.input_symbols());
  passes.run(*fwd);
  passes.run(*bwd);
  verify(*fwd);
  verify(*bwd);
  forward_ = std::make_unique<Executor>(fwd);
  backward_ = std::make_unique<Executor>(bwd);

  std::lock_guard<std::mutex> lock(g_registry_mu);
  id_ = g_next_id++;
  g_registry[id_] = this;
}

void StagedBackward::choose_wrt(const Graph& g, const std::vector<Tensor>& args) {
  num_outputs_ = g.outputs().size();
  std::set<int> seen_outputs;
  for (size_t k = 0; k < num_outputs_; ++k) {
    const Value& v = g.value(g.outputs()[k]);
    TERN_CHECK(v.kind == ValueKind::node_output && seen_outputs.insert(v.id).second,
               "staged backward: output ", k, " is an argument, a capture or a repeated output");
    out_dtype_.push_back(v.dtype);
    if (is_floating(v.dtype) && !g.output_detached(k)) grad_outputs_.push_back(static_cast<int>(k));
  }
  TERN_CHECK(!grad_outputs_.empty(), "staged backward: no output takes a gradient");
  for (size_t i = 0; i < args.size(); ++i)
    if (is_floating(args[i].dtype()) && needs_grad(args[i])) wrt_args_.push_back(static_cast<int>(i));
  for (const Value& v : g.values()) {
    if (v.kind != ValueKind::capture || !needs_grad(v.captured)) continue;
    TERN_CHECK(v.captured.is_leaf(), "staged backward: a captured tensor is the output of an eager op that needs "
                                     "gradients; pass it as an argument");
    wrt_captures_.push_back(v.captured);
  }
}

// F replayed op by op (the tape records it), then the gradient of
// sum_k <output_k, gout_k> (output 0 weighted by gout_0 when it is the only
// one) w.r.t. the wrt set, all under one trace. The run's results are
// dropped, and what it changed (running statistics, random draws) restored.
Trace StagedBackward::trace_gradient(const Graph& g, const std::vector<Tensor>& args,
                                     const std::vector<int64_t>& symbols) const {
  const size_t n = args.size();
  const StateSnapshot state(g);
  TERN_CHECK(state.ok(), "staged backward: an op mutates a non-contiguous tensor");
  struct RestoreOnExit {  // also when tracing throws: the caller then runs the call for real
    const StateSnapshot& state;
    ~RestoreOnExit() { state.restore(); }
  } restore_on_exit{state};
  // The gradient inputs have the outputs' shapes at these sizes: one run to learn them.
  std::vector<Tensor> trace_args = args;
  {
    NoGradGuard no_grad;
    const std::vector<Tensor> outs = Executor(std::make_shared<Graph>(g), /*planned=*/false).run(args, symbols);
    for (int k : grad_outputs_) trace_args.push_back(ones(outs[static_cast<size_t>(k)].shape(), out_dtype_[static_cast<size_t>(k)]));
  }
  state.restore();
  auto fb = [&](const std::vector<Tensor>& a) {
    std::vector<Tensor> fargs(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n));
    std::vector<Tensor> leaves;
    for (int i : wrt_args_) {
      fargs[static_cast<size_t>(i)] = a[static_cast<size_t>(i)].detach().set_requires_grad(true);
      leaves.push_back(fargs[static_cast<size_t>(i)]);
    }
    leaves.insert(leaves.end(), wrt_captures_.begin(), wrt_captures_.end());
    Executor replay(std::make_shared<Graph>(g), /*planned=*/false);
    std::vector<Tensor> outs = replay.run(fargs, symbols);
    Tensor total, gout;
    if (grad_outputs_.size() == 1) {
      total = outs[static_cast<size_t>(grad_outputs_[0])];
      gout = a[n];
    } else {
      for (size_t j = 0; j < grad_outputs_.size(); ++j) {
        const Tensor term = sum(mul(outs[static_cast<size_t>(grad_outputs_[j])], a[n + j]));
        total = total.defined() ? add(total, term) : term;
      }
    }
    std::vector<Tensor> grads = autograd::grad(total, leaves, gout);
    outs.insert(outs.end(), grads.begin(), grads.end());
    return outs;
  };
  return trace(fb, trace_args);
}

Trace StagedBackward::trace_symbolic_gradient(const Graph& g, const std::vector<Tensor>& args,
                                              const std::vector<int64_t>& symbols) const {
  Trace t = trace_gradient(g, args, symbols);
  const auto& dims = g.input_symbols();
  TERN_CHECK(dims.size() == args.size(), "staged backward: the graph does not say which input dims are symbolic");
  std::vector<std::vector<Trace>> probes(symbols.size());
  for (size_t j = 0; j < symbols.size(); ++j)
    for (int64_t delta = 1; delta <= 2; ++delta) {
      std::vector<Tensor> grown;
      for (size_t i = 0; i < args.size(); ++i) {
        NoGradGuard no_grad;
        Tensor a = args[i].detach();
        for (size_t d = 0; d < dims[i].size(); ++d)
          if (dims[i][d] == static_cast<int>(j)) a = grow_dim(a, static_cast<int64_t>(d), delta);
        grown.push_back(a);
      }
      std::vector<int64_t> grown_symbols = symbols;
      grown_symbols[j] += delta;
      probes[j].push_back(trace_gradient(g, grown, grown_symbols));
    }
  std::vector<std::vector<const Graph*>> probe_graphs;
  for (const auto& pj : probes) probe_graphs.push_back({&pj[0].graph, &pj[1].graph});
  const std::string why = make_symbolic(t.graph, symbols, probe_graphs);
  TERN_CHECK(why.empty(), "staged backward: the gradient cannot serve all sizes: ", why);
  return t;
}

StagedBackward::~StagedBackward() {
  std::lock_guard<std::mutex> lock(g_registry_mu);
  g_registry.erase(id_);
}

std::vector<Tensor> StagedBackward::call(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) {
  std::vector<Tensor> res;
  {
    NoGradGuard no_grad;  // F runs off the tape, on the planned path
    res = forward_->run(args, symbols);
  }
  std::vector<Tensor> outs(res.begin(), res.begin() + static_cast<std::ptrdiff_t>(num_outputs_));
  auto node = std::make_shared<autograd::Node>();
  node->def = &staged_call_def();
  const size_t nwrt = wrt_args_.size() + wrt_captures_.size();
  std::vector<int64_t>& ints = node->attrs.ints;
  ints = {id_, static_cast<int64_t>(nwrt), static_cast<int64_t>(symbols.size())};
  ints.insert(ints.end(), symbols.begin(), symbols.end());  // B runs at these sizes
  for (int k : grad_outputs_) {
    const Shape& shape = outs[static_cast<size_t>(k)].shape();
    ints.push_back(static_cast<int64_t>(shape.size()));
    ints.insert(ints.end(), shape.begin(), shape.end());
  }
  // Inputs: the wrt tensors (edges), then the saved values (no edges).
  uint64_t sequence = 0;
  const auto add_wrt = [&](const Tensor& t) {
    node->next.push_back(edge_of(t));
    node->in_meta.push_back({t.shape(), t.dtype()});
    sequence = std::max(sequence, node->next.back().fn->sequence + 1);
  };
  for (int i : wrt_args_) add_wrt(args[static_cast<size_t>(i)]);
  for (const Tensor& c : wrt_captures_) add_wrt(c);
  node->saved_in.resize(nwrt);
  for (size_t j = num_outputs_; j < res.size(); ++j) {
    node->next.emplace_back();
    node->in_meta.push_back({res[j].shape(), res[j].dtype()});
    node->saved_in.push_back(res[j].detach());  // detached: no cycle through an output's grad_fn
  }
  // The engine orders ready nodes by sequence only; after every input's node is enough.
  node->sequence = sequence;
  node->saved_out.resize(num_outputs_);
  for (const Tensor& o : outs) node->out_meta.push_back({o.shape(), o.dtype()});
  for (int k : grad_outputs_) {
    AutogradMeta& meta = outs[static_cast<size_t>(k)].autograd_meta();
    meta.grad_fn = node;
    meta.output_nr = k;
  }
  return outs;
}

void StagedBackward::run_backward(const Tensor* saved, const Tensor* gout, int nout, const bool* needs, Tensor* gin,
                                  const std::vector<int64_t>& symbols, const std::vector<Shape>& gout_shapes) {
  std::vector<Tensor> b_args;
  for (size_t j = 0; j < grad_outputs_.size(); ++j) {
    const int k = grad_outputs_[j];  // the engine leaves the gradient of an unused output undefined
    b_args.push_back(k < nout && gout[k].defined() ? gout[k] : zeros(gout_shapes[j], out_dtype_[static_cast<size_t>(k)]));
  }
  const size_t nsaved = backward_->graph().inputs().size() - grad_outputs_.size();
  b_args.insert(b_args.end(), saved, saved + nsaved);
  std::vector<Tensor> grads = backward_->run(b_args, symbols);
  ++backward_calls_;
  for (size_t i = 0; i < grads.size(); ++i)
    if (needs[i]) gin[i] = grads[i];
}

}  // namespace tern::graph
