// Training checkpoints: model tensors, optimiser state and progress in one
// safetensors file, written atomically. Independent of tern/nn and
// tern/optim: the caller passes named tensors (a Module's named parameters
// and buffers, an Optimizer's state_dict()).
//
// Layout: model tensors as "model.<name>", optimiser state as
// "optim.<name>", and metadata "tern.format" (= kCheckpointFormat),
// "tern.model", "tern.optimizer", "tern.step", "tern.epoch", plus any free-form
// keys. Python can read one with safetensors.safe_open.
//
//   io::save_checkpoint(path, model.named_tensors(), opt.state_dict(),
//                       {.model = "lenet5", .optimizer = opt.kind(), .step = s, .epoch = e});
//   io::Checkpoint ck = io::load_checkpoint(path);
//   io::restore_model(ck, model.named_tensors());   // shapes checked, copied in place
//   opt.load_state_dict(ck.optim);
#pragma once

#include <cstdint>
#include <string>

#include "tern/io/safetensors.h"

namespace tern::io {

inline constexpr const char* kCheckpointFormat = "tern.checkpoint.v1";

struct CheckpointMeta {
  std::string model{};    // "tern.model": the model's name, e.g. "lenet5"
  std::string optimizer{};  // "tern.optimizer": e.g. "sgd"
  int64_t step = 0;       // "tern.step": optimiser steps taken
  int64_t epoch = 0;      // "tern.epoch": epochs completed
  Metadata extra{};       // any other keys, stored as given
};

struct Checkpoint {
  std::string path;    // where it was read from (for messages)
  NamedTensors model;  // names without the "model." prefix
  NamedTensors optim;  // names without the "optim." prefix
  CheckpointMeta meta;
};

// Throws tern::ValueError for a name clash (e.g. an extra key that is one of
// the reserved tern.* keys) and tern::IOError if the file cannot be written;
// either way an existing file at `path` is left as it was.
void save_checkpoint(const std::string& path, const NamedTensors& model, const NamedTensors& optim,
                     const CheckpointMeta& meta = {});
// Throws tern::IOError naming the file (and tensor or key) for a missing,
// truncated or malformed file, a tensor outside "model." / "optim.", or a
// tern.step / tern.epoch that is not an integer.
Checkpoint load_checkpoint(const std::string& path);

// Copies every tensor of `src` into the tensor of the same name in `dst`, in
// place (dst keeps its storage, requires_grad and identity). Checks all of
// them before copying any: the names must match exactly, shapes must be
// equal, and dtypes equal or both floating point (then converted). Errors
// read "<what>: tensor '<prefix><name>' has shape [120, 400], <target>
// expects [84, 120]", or list the missing / unexpected names.
void assign_tensors(const NamedTensors& dst, const NamedTensors& src, const std::string& what,
                    const std::string& prefix = "", const std::string& target = "the model");

// assign_tensors(model, ck.model, "checkpoint <path>", "model.").
void restore_model(const Checkpoint& ck, const NamedTensors& model);

}  // namespace tern::io
