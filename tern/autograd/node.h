// A node of the define-by-run tape: one recorded op call. Edges point to the
// nodes that produced its inputs (or to a leaf's AccumulateGrad node).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "tern/ops/opdef.h"

namespace tern::autograd {

struct Node;

struct Edge {
  std::shared_ptr<Node> fn;  // null: this input needs no gradient
  int output_nr = 0;         // which output of fn the gradient flows into
};

struct Node {
  const OpDef* def = nullptr;  // null for an AccumulateGrad node
  Attrs attrs;
  std::vector<Tensor> saved_in;   // per input; undefined unless the op saves it
  std::vector<Tensor> saved_out;  // per output; likewise
  std::vector<TensorMeta> in_meta;
  std::vector<TensorMeta> out_meta;
  std::vector<Edge> next;         // per input
  uint64_t sequence = 0;          // creation order: later nodes run first
  bool released = false;          // saved tensors freed by a backward pass
  std::weak_ptr<TensorImpl> leaf; // AccumulateGrad: the leaf it feeds

  bool is_accumulator() const { return def == nullptr; }
  const char* name() const { return def ? def->name : "AccumulateGrad"; }
};

}  // namespace tern::autograd
