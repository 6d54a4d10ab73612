#include "tern/graph/export/zoo_graph.h"

#include <cstring>
#include <nlohmann/json.hpp>

#include "tern/autograd/grad_mode.h"
#include "tern/base/atomic_file.h"
#include "tern/graph/export/onnx_export.h"
#include "tern/graph/function.h"
#include "tern/io/weights.h"
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

ZooGraph stage_zoo_model(const std::string& name, int64_t batch, uint64_t seed, bool random_buffers,
                         const std::string& weights) {
  TERN_CHECK(weights.empty() || !random_buffers, "export: --random-buffers would overwrite the checkpoint's running statistics; give one of them");
  const nn::ModelSpec& spec = nn::find_model(name);
  manual_seed(seed);
  ZooGraph z;
  z.model = nn::make_model(name, spec.defaults);
  if (!weights.empty()) io::load_weights(weights, *z.model, {.expect_model = name});
  z.model->eval();
  if (random_buffers) {
    NoGradGuard no_grad;
    for (const auto& [buffer, t] : z.model->named_buffers()) {
      if (t.dtype() != DType::f32) continue;
      const bool variance = buffer.find("var") != std::string::npos;
      const Tensor r = variance ? add_scalar(rand(t.shape()), 0.5) : mul_scalar(randn(t.shape()), 0.2);
      std::memcpy(t.raw_data(), r.raw_data(), t.nbytes());
    }
  }
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

ZooExportReport export_zoo_onnx(const ZooExportOptions& o) {
  TERN_CHECK(o.batch >= 1, "export: --batch must be >= 1, got ", o.batch);
  TERN_CHECK(o.example_batch >= 1, "export: --example-batch must be >= 1, got ", o.example_batch);
  const ZooGraph z = stage_zoo_model(o.model, o.batch, 1, o.random_buffers, o.checkpoint);
  OnnxOptions options;
  options.graph_name = o.model;
  options.input_names = {nn::find_model(o.model).image_model ? "images" : "tokens"};
  options.output_names = {"logits"};
  options.symbol_names = {"batch"};
  options.tensor_names = z.tensor_names;
  const std::string bytes = to_onnx(*z.graph, options);
  const std::string problem = check_onnx(bytes);
  TERN_CHECK(problem.empty(), "export: onnx checker rejected the ", o.model, " export: ", problem);
  save_onnx(bytes, o.out);
  if (!o.example.empty()) {
    NoGradGuard no_grad;
    const Tensor x = zoo_input(nn::find_model(o.model), o.example_batch);
    const Tensor y = contiguous((*z.model)(x));
    const auto raw = [](const Tensor& t) {
      return std::string(static_cast<const char*>(t.raw_data()), static_cast<size_t>(t.nbytes()));
    };
    write_file_atomic(o.example + ".input.bin", raw(x));
    write_file_atomic(o.example + ".output.bin", raw(y));
    write_file_atomic(o.example + ".json",
                      nlohmann::json({{"input", options.input_names[0]},
                                      {"input_dtype", dtype_name(x.dtype())},
                                      {"input_shape", std::vector<int64_t>(x.shape().begin(), x.shape().end())},
                                      {"output", options.output_names[0]},
                                      {"output_shape", std::vector<int64_t>(y.shape().begin(), y.shape().end())}})
                              .dump() +
                          "\n");
  }
  return {z.graph->nodes().size(), bytes.size()};
}

}  // namespace tern::graph
