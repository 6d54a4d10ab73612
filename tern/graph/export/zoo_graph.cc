#include "tern/graph/export/zoo_graph.h"

#include "tern/autograd/grad_mode.h"
#include "tern/graph/function.h"
#include "tern/ops/ops.h"

namespace tern::graph {

Tensor zoo_input(const nn::ModelSpec& spec, int64_t batch) {
  Shape shape = nn::sample_input_shape(spec, spec.defaults);
  shape.insert(0, batch);
  if (spec.image_model) return randn(shape);
  std::vector<int64_t> tokens;
  for (int64_t i = 0; i < numel_of(shape); ++i) tokens.push_back((i * 7919) % spec.defaults.vocab);
  return Tensor::from_vector<int64_t>(tokens, shape);
}

ZooGraph stage_zoo_model(const std::string& name, int64_t batch, uint64_t seed) {
  const nn::ModelSpec& spec = nn::find_model(name);
  manual_seed(seed);
  ZooGraph z;
  z.model = nn::make_model(name, spec.defaults);
  z.model->eval();
  z.input = zoo_input(spec, batch);
  Shape sig = z.input.shape();
  sig[0] = -1;  // the batch dim: symbolic s0
  nn::ModulePtr m = z.model;
  Function f = function([m](const std::vector<Tensor>& a) { return std::vector<Tensor>{(*m)(a[0])}; },
                        {ArgSpec{z.input.dtype(), sig}}, FunctionOptions{name});
  NoGradGuard no_grad;
  z.output = f({z.input})[0];
  TERN_CHECK(!f.polymorphism_failed(), "export: model ", name, " cannot be staged with a symbolic batch dim");
  z.graph = f.last_graph();
  for (const auto& named : {z.model->named_parameters(), z.model->named_buffers()})
    for (const auto& [name, t] : named) z.tensor_names[t.impl()] = name;
  return z;
}

}  // namespace tern::graph
