// A zoo model as P3 sees it: its parameter tensors (real sizes), each
// tensor's layer in forward order (its P3 priority), and each layer's
// compute time at a stated device speed. The bench (bench.h) moves these
// tensors; it never runs the model.
#pragma once

#include <string>
#include <vector>

#include "tern/distributed/ps/layout.h"

namespace tern::distributed::p3 {

struct PlanLayer {
  std::string name;      // leaf module path, e.g. "features.0"
  std::string type;      // "Conv2d", ...
  double forward_s = 0;  // per iteration, for the worker's batch
  double backward_s = 0; // 2x forward (input and weight gradients)
};

struct ModelPlan {
  std::string model;
  std::vector<PlanLayer> layers;              // forward order
  std::vector<ps::TensorExtent> tensors;      // parameter order
  std::vector<std::string> tensor_names;
  std::vector<int> tensor_layer;              // tensor -> index in layers
  int64_t parameters = 0;
  double forward_flops = 0;                   // per iteration, the worker's batch
};

// Describes zoo model `name` (one forward pass at batch 1, FLOPs scaled to
// `batch`) and times every layer at `device_flops` (FLOP/s). A parameter
// belongs to the leaf module whose path prefixes its name; throws
// ValueError if one belongs to none.
ModelPlan plan_zoo_model(const std::string& name, int batch, double device_flops);

// The priority of each slice of `layout`: its tensor's layer index.
std::vector<int> slice_priorities(const ModelPlan& plan, const ps::Layout& layout);

}  // namespace tern::distributed::p3
