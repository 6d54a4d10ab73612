#include "tern/graph/state_snapshot.h"

#include <cstring>

#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace tern::graph {

StateSnapshot::StateSnapshot(const Graph& g) : rng_(default_generator()) {
  NoGradGuard no_grad;
  for (const Node& n : g.nodes()) {
    if (!op_def(n.kind).mutates_inputs) continue;
    for (int v : n.inputs) {
      if (v < 0 || g.value(v).kind != ValueKind::capture) continue;
      const Tensor& t = g.value(v).captured;
      if (!t.is_contiguous()) ok_ = false;
      else saved_.emplace_back(t, clone(t.detach()));
    }
  }
}

void StateSnapshot::restore() const {
  for (const auto& [live, copy] : saved_) std::memcpy(live.raw_data(), copy.raw_data(), live.nbytes());
  default_generator() = rng_;
}

}  // namespace tern::graph
