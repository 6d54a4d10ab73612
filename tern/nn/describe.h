// Model descriptions: runs one forward pass on zeros and records, for each
// leaf module, its output shape, parameter count and FLOPs (multiply-adds
// count as 2). P3, FlexFlow, MetaFlow and BlueConnect's simulations read
// these instead of re-deriving layer costs.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::nn {

class Module;

struct LayerInfo {
  std::string name;   // path in the module tree, e.g. "layer1.0.conv1"
  std::string type;   // "Conv2d", "Linear", ...
  Shape output_shape;
  int64_t parameters = 0;
  int64_t flops = 0;  // forward FLOPs for the described batch
};

struct ModelDescription {
  std::vector<LayerInfo> layers;
  int64_t parameters = 0;
  int64_t flops = 0;  // forward FLOPs for the whole batch
  Shape input_shape;
};

// Describes `model` for an input of `input_shape` and dtype (f32, or i64 for
// token models). Runs in eval mode without gradients; restores the mode.
ModelDescription describe(Module& model, const Shape& input_shape, DType input_dtype = DType::f32);

// Describes zoo model `name` (its default options) for a batch of `batch`
// samples of its sample input (tern/nn/models.h).
ModelDescription describe_zoo_model(const std::string& name, int64_t batch = 1);

// FLOPs of one op call (used by describe and by the profiler).
int64_t op_flops(int kind, const Tensor* in, int nin, const Tensor* out, int nout);

// Internal: the active description session (Module::operator() consults it).
class DescribeSession {
 public:
  static DescribeSession* active();
  Tensor call(Module& m, const Tensor& x);
  DescribeSession(ModelDescription* out, const Module& root);
  ~DescribeSession();

 private:
  friend struct FlopCounter;
  void name_tree(const Module& m, const std::string& prefix);
  ModelDescription* out_;
  std::unordered_map<const Module*, std::string> names_;
  int64_t flops_ = 0;  // counted by the op observer
};

}  // namespace tern::nn
