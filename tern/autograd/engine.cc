#include "tern/autograd/engine.h"

#include <atomic>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "tern/autograd/grad_mode.h"
#include "tern/autograd/node.h"
#include "tern/ops/ops.h"

namespace tern {
namespace autograd {

namespace {

std::atomic<uint64_t> g_sequence{0};

std::shared_ptr<Node> accumulator_for(const Tensor& leaf) {
  AutogradMeta& meta = const_cast<Tensor&>(leaf).autograd_meta();
  if (auto acc = meta.accumulator.lock()) return acc;
  auto acc = std::make_shared<Node>();
  acc->leaf = leaf.impl_ptr();
  acc->in_meta.push_back({leaf.shape(), leaf.dtype()});
  acc->sequence = g_sequence++;
  meta.accumulator = acc;
  return acc;
}

Edge edge_for(const Tensor& t) {
  const AutogradMeta* meta = t.autograd_meta_if();
  if (!meta) return {};
  if (meta->grad_fn) return {meta->grad_fn, meta->output_nr};
  if (meta->requires_grad) return {accumulator_for(t), 0};
  return {};
}

// Hooked into dispatch(): records one op call on the tape.
void record(const OpDef& def, const Tensor* in, int nin, const Attrs& attrs, Tensor* out, int nout) {
  auto node = std::make_shared<Node>();
  node->def = &def;
  node->attrs = attrs;
  node->sequence = g_sequence++;
  node->saved_in.resize(nin);
  node->saved_out.resize(nout);
  node->next.resize(nin);
  node->in_meta.reserve(nin);
  for (int i = 0; i < nin; ++i) {
    node->in_meta.push_back({in[i].shape(), in[i].dtype()});
    if (def.save_inputs & (1u << i)) node->saved_in[i] = in[i].detach();
    if (is_floating(in[i].dtype())) node->next[i] = edge_for(in[i]);
  }
  for (int k = 0; k < nout; ++k) {
    node->out_meta.push_back({out[k].shape(), out[k].dtype()});
    if (def.save_outputs & (1u << k)) node->saved_out[k] = out[k].detach();
  }
  for (int k = 0; k < nout; ++k) {
    if (!is_floating(out[k].dtype())) continue;
    TERN_ASSERT(!out[k].autograd_meta_if() || !out[k].autograd_meta_if()->grad_fn, def.name,
                ": a kernel returned a tensor that already belongs to the graph");
    AutogradMeta& meta = out[k].autograd_meta();
    meta.grad_fn = node;
    meta.output_nr = k;
  }
}

void accumulate_into_leaf(Node& acc, const Tensor& incoming) {
  auto impl = acc.leaf.lock();
  if (!impl) return;  // the leaf is gone; nobody can read its gradient
  Tensor leaf(impl);
  Tensor g = incoming.shape() == leaf.shape() ? incoming : sum_to(incoming, leaf.shape());
  Tensor existing = leaf.grad();
  // Never in place: one gradient tensor may feed several leaves.
  leaf.set_grad(existing.defined() ? add(existing, g) : g.detach());
  for (const auto& [handle, hook] : leaf.autograd_meta().hooks) hook(leaf.grad());
}

struct Later {
  bool operator()(const Node* a, const Node* b) const { return a->sequence < b->sequence; }
};

// Runs the graph below `roots`. If `capture` is non-empty, gradients reaching
// those accumulators are stored there instead of in the leaves.
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  std::unordered_map<Node*, Tensor>* capture) {
  TERN_CHECK(grads.empty() || grads.size() == roots.size(), "backward: ", roots.size(), " roots but ", grads.size(),
             " gradients");
  NoGradGuard no_grad;
  std::vector<std::pair<Edge, Tensor>> starts;
  for (size_t r = 0; r < roots.size(); ++r) {
    const Tensor& root = roots[r];
    TERN_CHECK(root.defined(), "backward: undefined root tensor");
    Edge e = edge_for(root);
    TERN_CHECK(e.fn, "backward: tensor does not require grad and has no grad_fn (did every input have requires_grad=false, "
                     "or was it computed under NoGradGuard?)");
    Tensor g = grads.empty() ? Tensor() : grads[r];
    if (!g.defined()) {
      TERN_CHECK(root.numel() == 1, "backward: a gradient must be given for a non-scalar root of shape ",
                 shape_str(root.shape()));
      g = ones(root.shape(), root.dtype());
    }
    TERN_CHECK(g.shape() == root.shape(), "backward: gradient shape ", shape_str(g.shape()), " differs from root ",
               shape_str(root.shape()));
    starts.push_back({e, g});
  }

  // Count, for each node, how many edges lead into it.
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (auto& [e, g] : starts)
    if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next) {
      if (!e.fn) continue;
      ++deps[e.fn.get()];
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }

  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  auto deposit = [&](Node* n, int slot, const Tensor& g) {
    auto& buf = buffers[n];
    if (buf.empty()) buf.resize(std::max<size_t>(1, n->is_accumulator() ? 1 : n->out_meta.size()));
    buf[slot] = buf[slot].defined() ? add(buf[slot], g) : g;
  };
  std::priority_queue<Node*, std::vector<Node*>, Later> ready;
  std::vector<std::shared_ptr<Node>> keep_alive;
  for (auto& [e, g] : starts) {
    deposit(e.fn.get(), e.output_nr, g);
    keep_alive.push_back(e.fn);
  }
  for (auto& [e, g] : starts)
    if (deps[e.fn.get()] == 0) {
      ready.push(e.fn.get());
      deps[e.fn.get()] = -1;  // queued
    }

  while (!ready.empty()) {
    Node* n = ready.top();
    ready.pop();
    std::vector<Tensor> gout = std::move(buffers[n]);
    buffers.erase(n);
    if (n->is_accumulator()) {
      if (capture) {
        auto it = capture->find(n);
        if (it != capture->end()) it->second = gout[0];
      } else {
        accumulate_into_leaf(*n, gout[0]);
      }
      continue;
    }
    TERN_CHECK(!n->released, "backward: trying to backpropagate through ", n->name(),
               " a second time; its saved tensors were freed by the first backward");
    const int nin = static_cast<int>(n->next.size());
    const int nout = static_cast<int>(n->out_meta.size());
    gout.resize(nout);
    if (!gout[0].defined()) gout[0] = zeros(n->out_meta[0].shape, n->out_meta[0].dtype);
    std::vector<Tensor> gin(nin);
    std::unique_ptr<bool[]> needs(new bool[nin]);
    for (int i = 0; i < nin; ++i) needs[i] = n->next[i].fn != nullptr;
    GradArgs args{n->saved_in.data(), n->in_meta.data(), nin, n->saved_out.data(), nout, gout.data(),
                  n->attrs, needs.get(), gin.data()};
    n->def->grad(args);
    n->saved_in.clear();
    n->saved_out.clear();
    n->released = true;
    for (int i = 0; i < nin; ++i) {
      const Edge& e = n->next[i];
      if (!e.fn) continue;
      if (gin[i].defined()) {
        Tensor g = gin[i];
        if (g.shape() != n->in_meta[i].shape) g = sum_to(g, n->in_meta[i].shape);
        deposit(e.fn.get(), e.output_nr, g);
      }
      if (--deps[e.fn.get()] == 0) ready.push(e.fn.get());
    }
  }
}

}  // namespace

void install() { set_autograd_recorder(&record); }

namespace {
// The recorder is installed before main() by this registrar. With static
// libraries an object file is linked only when the program references a
// symbol in it; this file defines backward() and grad(), so every program
// that can ask for a gradient links it, and the registrar with it. A
// program that never asks for one records no tape, which costs it nothing.
// (dispatch.cc's recorder pointer is constant-initialised, so the order of
// static initialisers does not matter.)
const bool g_installed = (install(), true);
}  // namespace

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads) { run_backward(roots, grads, nullptr); }

void backward(const Tensor& root, const Tensor& grad) { run_backward({root}, {grad}, nullptr); }

std::vector<Tensor> grad(const Tensor& output, const std::vector<Tensor>& inputs, const Tensor& grad_output) {
  std::unordered_map<Node*, Tensor> capture;
  std::vector<std::shared_ptr<Node>> accs;
  for (const Tensor& in : inputs) {
    TERN_CHECK(in.requires_grad() && in.is_leaf(), "grad: inputs must be leaf tensors that require grad");
    accs.push_back(accumulator_for(in));
    capture[accs.back().get()] = Tensor();
  }
  run_backward({output}, {grad_output}, &capture);
  std::vector<Tensor> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor g = capture[accs[i].get()];
    out.push_back(g.defined() ? g : zeros(inputs[i].shape(), inputs[i].dtype()));
  }
  return out;
}

}  // namespace autograd
}  // namespace tern
