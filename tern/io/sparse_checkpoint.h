// Sparse (Dropback) checkpoints: for each parameter only the k tracked
// elements are stored, as their indices and values, plus the text that
// says how every other element regenerates (an nn::init::InitSpec with its
// seed, for zoo models); dense tensors (batch-norm running statistics)
// are stored as they are. One safetensors file, written atomically:
//
//   "sparse.<name>.idx"  U8 [m]   the tracked indices, gap-coded: reading
//                                 from position -1, a byte b > 0 advances b
//                                 and stores the element there, a 0 advances
//                                 255 and stores nothing (so a gap of g costs
//                                 1 + (g - 1) / 255 bytes; the last byte is > 0)
//   "sparse.<name>.val"  F32 [k]  their values, in index order
//   "dense.<name>"                a tensor stored whole
//   metadata: tern.format = tern.sparse.v1, tern.model, tern.step,
//   tern.epoch, "shape.<name>" ("300,784") and "init.<name>" per sparse tensor
//
// Independent of tern/nn: the init text is opaque here; the trainer parses
// it (nn::init::InitSpec::parse) and regenerates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tern/io/checkpoint.h"
#include "tern/io/safetensors.h"

namespace tern::io {

inline constexpr const char* kSparseCheckpointFormat = "tern.sparse.v1";

struct SparseTensor {
  std::string name;
  Shape shape;
  std::vector<int64_t> indices;  // ascending, unique, < numel
  Tensor values;                 // f32 [indices.size()]
  std::string init;              // how the other elements regenerate
};

struct SparseCheckpoint {
  std::string path;
  std::vector<SparseTensor> sparse;
  NamedTensors dense;
  CheckpointMeta meta;  // model, step, epoch (optimizer empty: no optimiser state is kept)
};

// The k tracked values of the contiguous f32 tensor `t` at `indices` (checked).
SparseTensor make_sparse_tensor(const std::string& name, const Tensor& t, std::vector<int64_t> indices,
                                std::string init);

// The file's bytes; save writes them atomically and returns their size.
std::string encode_sparse_checkpoint(const std::vector<SparseTensor>& sparse, const NamedTensors& dense,
                                     const CheckpointMeta& meta);
int64_t save_sparse_checkpoint(const std::string& path, const std::vector<SparseTensor>& sparse,
                               const NamedTensors& dense, const CheckpointMeta& meta);

bool is_sparse_checkpoint(const SafeTensorsFile& file);
// Validates everything: every IOError starts with "<source>: " and names
// the tensor (a missing index or value tensor, counts that differ, an index
// beyond the shape, a trailing 0 byte, a bad shape, an unexpected tensor).
SparseCheckpoint decode_sparse_checkpoint(const SafeTensorsFile& file, const std::string& source);
SparseCheckpoint load_sparse_checkpoint(const std::string& path);

}  // namespace tern::io
