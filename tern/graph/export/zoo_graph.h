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
// `weights`: a checkpoint or state dict to load first (io/weights.h).
ZooGraph stage_zoo_model(const std::string& name, int64_t batch = 2, uint64_t seed = 1, bool random_buffers = false,
                         const std::string& weights = "");

struct ZooExportOptions {
  std::string model;
  std::string out;            // the .onnx file
  int64_t batch = 2;          // traced at this batch (the batch dim stays symbolic)
  bool random_buffers = false;
  std::string checkpoint;     // trained weights (a Tern checkpoint or a PyTorch state dict); empty: fresh ones
  std::string example;        // non-empty: also PREFIX.json, PREFIX.input.bin, PREFIX.output.bin
  int64_t example_batch = 3;  // the example's batch (another size than the trace)
};

struct ZooExportReport {
  size_t nodes = 0;
  size_t bytes = 0;
};

// `tern export --format onnx`: stages the model, exports it (ONNX opset
// kOnnxOpset), runs onnx's checker and writes the file; with an example
// prefix also the traced input and Tern's output as raw little-endian
// files with a JSON description, for another runtime to compare with. Every
// file is written atomically.
ZooExportReport export_zoo_onnx(const ZooExportOptions& options);

}  // namespace tern::graph
