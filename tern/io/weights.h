// A model's weights from whichever safetensors file the user holds:
//   - a Tern checkpoint (`tern train --checkpoint`: "model.*" + "optim.*"),
//   - a Dropback sparse checkpoint (sparse_checkpoint.h),
//   - a PyTorch state dict saved with safetensors
//     (`safetensors.torch.save_file(model.state_dict(), path)`), bare or
//     under a wrapper's prefix ("model." as Lightning-style wrappers write,
//     "module." as DistributedDataParallel does), with torchvision's names.
//
// Only the model's tensors are read: optimiser state is ignored (this is the
// weights-only load for fine-tuning and inference; resuming a run is
// checkpoint.h's restore_model). A file name that is not a model name is
// tried again with a wrapper prefix removed and with torchvision's
// ".downsample." (the ResNet projection shortcut) read as Tern's
// ".shortcut."; BatchNorm's "num_batches_tracked" counters are accepted and
// ignored (Tern's batch norm always uses its fixed momentum, which is also
// PyTorch's default). Everything is checked before anything is written.
//
//   io::WeightsReport r = io::load_weights("resnet18.safetensors", *model, {.exclude = {"fc"}});
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tern/nn/module.h"

namespace tern::io {

struct WeightsOptions {
  // Model tensors left as initialised, by name or name prefix ("fc" keeps
  // fc.weight and fc.bias): a new classifier head for fine-tuning. File
  // tensors that would fill them are ignored.
  std::vector<std::string> exclude{};
  // If non-empty and the file records a different model ("tern.model"
  // metadata), a ValueError says so before any shape is compared.
  std::string expect_model{};
};

struct WeightsReport {
  std::string kind;                  // "tern checkpoint", "sparse checkpoint" or "state dict"
  std::string model;                 // the file's "tern.model", if any
  int64_t loaded = 0;                // model tensors filled from the file
  int64_t renamed = 0;               // of which matched after a prefix or torchvision rewrite
  int64_t ignored = 0;               // file tensors not used (optimiser state, num_batches_tracked, excluded)
  std::vector<std::string> kept{};   // model tensors left as initialised (exclude)
};

// Throws tern::IOError for an unreadable or malformed file and
// tern::ValueError, naming the tensor, for a missing or unexpected tensor
// or a shape that differs; the model is unchanged then.
WeightsReport load_weights(const std::string& path, nn::Module& model, const WeightsOptions& options = {});

// The model name a file tensor fills: `name` itself if the model has it,
// else the first rewrite the model has (wrapper prefix removed, then
// ".downsample." read as ".shortcut."), else `name` unchanged (reported as
// unexpected). "" for a tensor to ignore (num_batches_tracked).
std::string tern_name_for(const std::string& name, const std::set<std::string>& model_names);

}  // namespace tern::io
