#include "tern/distributed/p3/model_plan.h"

#include "tern/base/error.h"
#include "tern/distributed/ps/ps_trainer.h"
#include "tern/nn/describe.h"
#include "tern/nn/models.h"

namespace tern::distributed::p3 {

ModelPlan plan_zoo_model(const std::string& name, int batch, double device_flops) {
  TERN_CHECK(batch >= 1, "--batch must be >= 1, got ", batch);
  TERN_CHECK(device_flops > 0, "--tflops must be > 0, got ", device_flops / 1e12);
  const nn::ModelSpec& spec = nn::find_model(name);
  nn::ModulePtr model = spec.make(spec.defaults);
  Shape input = nn::sample_input_shape(spec, spec.defaults);
  input.insert(0, 1);
  const nn::ModelDescription d = nn::describe(*model, input, spec.image_model ? DType::f32 : DType::i64);

  ModelPlan plan;
  plan.model = name;
  for (const nn::LayerInfo& l : d.layers) {
    const double flops = static_cast<double>(l.flops) * batch;
    plan.layers.push_back({l.name, l.type, flops / device_flops, 2 * flops / device_flops});
    plan.forward_flops += flops;
  }
  plan.tensors = ps::tensor_extents(*model);
  for (const auto& [pname, p] : model->named_parameters()) {
    int layer = -1;
    size_t best = 0;
    for (size_t i = 0; i < d.layers.size(); ++i) {
      const std::string& lname = d.layers[i].name;
      if ((layer < 0 || lname.size() > best) && pname.size() > lname.size() && pname.compare(0, lname.size(), lname) == 0 &&
          pname[lname.size()] == '.') {
        layer = static_cast<int>(i);
        best = lname.size();
      }
    }
    TERN_CHECK(layer >= 0, "p3: parameter '", pname, "' of ", name, " belongs to no layer of its description");
    plan.tensor_names.push_back(pname);
    plan.tensor_layer.push_back(layer);
    plan.parameters += p.numel();
  }
  return plan;
}

std::vector<int> slice_priorities(const ModelPlan& plan, const ps::Layout& layout) {
  std::vector<int> out;
  out.reserve(layout.slices.size());
  for (const ps::Slice& s : layout.slices) out.push_back(plan.tensor_layer[s.tensor]);
  return out;
}

}  // namespace tern::distributed::p3
