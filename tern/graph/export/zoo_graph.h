// The staged inference graph of a zoo model, as `tern export` writes it:
// eval mode, no gradients, traced under a signature whose batch dim is
// symbolic (s0), so one graph serves every batch size.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "tern/graph/ir.h"
#include "tern/nn/models.h"

namespace tern::graph {

struct ZooGraph {
  nn::ModulePtr model;                 // its parameters are the graph's captures
  std::shared_ptr<const Graph> graph;  // input 0: images [s0, C, H, W] f32 or tokens [s0, T] i64
  Tensor input;                        // the batch it was traced with
  Tensor output;                       // the model's output on `input` (an eager run)
  // The model's parameter and buffer names ("layer1.0.conv1.weight"), by tensor.
  std::map<const TensorImpl*, std::string> tensor_names;
};

// A deterministic batch of `batch` inputs for the model (random images, or
// token ids spread over the vocabulary).
Tensor zoo_input(const nn::ModelSpec& spec, int64_t batch);

// Builds the model (seeded by `seed`) and stages its forward pass in eval
// mode. `random_buffers`: fill running statistics with random values first
// (a fresh model's mean 0 / variance 1 would hide a batch-norm mapping error).
ZooGraph stage_zoo_model(const std::string& name, int64_t batch = 2, uint64_t seed = 1, bool random_buffers = false);

}  // namespace tern::graph
