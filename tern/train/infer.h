// Inference with a zoo model and weights from a file: `tern run`. The input
// is a NumPy array of images [N, C, H, W] (float32; H = W), the output the
// model's logits [N, classes] (or class probabilities) as a NumPy array, so
// any tool that reads .npy can check Tern against the framework the weights
// came from.
//
//   train::InferResult r = train::infer({.model = "resnet18", .weights = "resnet18.safetensors",
//                                        .input = "x.npy", .output = "logits.npy"});
#pragma once

#include <cstdint>
#include <string>

#include "tern/core/shape.h"
#include "tern/io/weights.h"

namespace tern::train {

struct InferOptions {
  std::string model;    // zoo name (tern models)
  std::string weights;  // a Tern checkpoint or a PyTorch state dict (io/weights.h)
  std::string input;    // .npy, float32 [N, C, H, W]
  std::string output;   // .npy written atomically: float32 [N, classes]
  int64_t num_classes = 0;     // 0: the zoo model's default (1000 for the ImageNet models)
  bool probabilities = false;  // softmax of the logits instead of the logits
  int64_t batch_size = 64;     // examples per forward pass
  int threads = 0;             // 0: all cores
};

struct InferResult {
  Shape input_shape;
  Shape output_shape;
  double seconds = 0;  // the forward passes alone
  io::WeightsReport weights;
};

// Throws ValueError for an input that is not a float32 batch of square
// images, or a model that does not take images, and whatever load_weights
// throws for the weights.
InferResult infer(const InferOptions& options);

}  // namespace tern::train
