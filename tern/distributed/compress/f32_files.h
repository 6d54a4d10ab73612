// Raw float32 tensors on disk: the format of `tern train --dump-grads DIR`
// (one little-endian float32 file per parameter per dump, named
// step<K>_<param>.f32) and of `tern codec encode --in`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::distributed::compress {

struct NamedTensor {
  std::string name;  // file name without directory, or "gaussian"
  std::vector<float> values;
};

// Reads one raw float32 file. Throws tern::IOError if it cannot be read and
// tern::ValueError if its size is not a multiple of 4.
std::vector<float> read_f32_file(const std::string& path);

// A file: one tensor. A directory: every *.f32 file in it (not recursive),
// sorted by name, each its own tensor. Throws tern::ValueError for a
// directory without *.f32 files.
std::vector<NamedTensor> read_f32_source(const std::string& path);

// The file `tern codec encode` writes and `decode` reads: [u64 little-endian
// element count][codec stream] (streams carry no count: codec.h).
struct EncodedFile {
  uint64_t count = 0;
  std::vector<uint8_t> stream;
};
// Written atomically.
void write_encoded_file(const std::string& path, const EncodedFile& file);
// Throws tern::ValueError for a file too short for its header or with an
// implausible count (codecs index with u32; sparse and low-rank streams can
// be tiny for huge tensors, so the count cannot be bounded by the stream
// size in general).
EncodedFile read_encoded_file(const std::string& path);
// Raw little-endian float32, written atomically.
void write_f32_file(const std::string& path, const std::vector<float>& values);

// n standard-normal values from Philox(seed), filled in parallel.
std::vector<float> gaussian_tensor(int64_t n, uint64_t seed = 1);
// `steps` independent draws of n values named like gradient dumps
// (step<K>_gaussian.f32), so a measurement carries error feedback from one
// step to the next as in training (measure.h).
std::vector<NamedTensor> gaussian_steps(int64_t n, int steps);

}  // namespace tern::distributed::compress
