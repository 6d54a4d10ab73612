// The model zoo, by name. Every model describes itself (describe.h): layers,
// parameter counts, FLOPs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tern/nn/module.h"

namespace tern::nn {

struct ModelOptions {
  int64_t in_channels = 1;   // image models
  int64_t image_size = 28;   // image models: input height = width
  int64_t num_classes = 10;
  int64_t vocab = 10000;     // lstm-lm
  // Flat-input models (ModelSpec::flat_input): values per example, for
  // examples that are not images (tabular features [F]). 0: in_channels *
  // image_size^2.
  int64_t in_features = 0;
  int64_t flat_features() const { return in_features > 0 ? in_features : in_channels * image_size * image_size; }
};

struct ModelSpec {
  std::string name;
  std::string summary;
  bool image_model = true;        // input [N, C, H, W] f32; else [N, T] i64 tokens
  ModelOptions defaults;          // the input the model is described with
  std::function<ModulePtr(const ModelOptions&)> make;
  bool flat_input = false;  // flattens its input first: takes examples of any shape (ModelOptions::in_features)
};

const std::vector<ModelSpec>& model_zoo();
// Throws ValueError listing the valid names if `name` is unknown.
const ModelSpec& find_model(const std::string& name);
ModulePtr make_model(const std::string& name, const ModelOptions& opt);

// Per-sample input shape for describing / benchmarking a model.
Shape sample_input_shape(const ModelSpec& spec, const ModelOptions& opt);

// Parameters (elements) of the model with its default options.
int64_t parameter_count(const ModelSpec& spec);

}  // namespace tern::nn
