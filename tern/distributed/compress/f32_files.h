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

// n standard-normal values from Philox(seed), filled in parallel.
std::vector<float> gaussian_tensor(int64_t n, uint64_t seed = 1);

}  // namespace tern::distributed::compress
