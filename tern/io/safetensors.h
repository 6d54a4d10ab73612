// The safetensors file format (https://github.com/huggingface/safetensors),
// written and read by our own code:
//   8 bytes    N, the header length, unsigned little-endian
//   N bytes    a JSON object: {"__metadata__": {str: str}?,
//              "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
//              padded with spaces so the data starts at a multiple of 8
//   the rest   raw little-endian tensor data; offsets count from its start
// Like the reference writer, tensors are laid out by descending dtype
// (I64, F64, F32, I32, BF16, F16, U8, BOOL), then by name, so each one is
// aligned to its element size, and there are no gaps. Files written by
// Python's `safetensors.torch.save_file` load here and vice versa.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tern/core/tensor.h"

namespace tern::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using Metadata = std::map<std::string, std::string>;

struct SafeTensorsFile {
  NamedTensors tensors;  // in file order (by data offset), each a new contiguous tensor
  Metadata metadata;     // the "__metadata__" map, empty if absent
  // The tensor called `name`, or nullptr.
  const Tensor* find(const std::string& name) const;
};

// "F32", "F64", "I32", "I64", "U8", "BOOL", "F16", "BF16".
const char* safetensors_dtype_name(DType dtype);
// The DType for a header dtype string; nullopt for one Tern does not read.
std::optional<DType> dtype_from_safetensors(std::string_view name);

// The bytes of a safetensors file. Tensors may be non-contiguous views; names
// must be unique and not "__metadata__". Throws tern::ValueError otherwise.
std::string encode_safetensors(const NamedTensors& tensors, const Metadata& metadata = {});
// Parses and validates the bytes of a safetensors file. Every problem throws
// tern::IOError starting with "<source>: " and naming the tensor involved.
SafeTensorsFile decode_safetensors(std::string_view bytes, const std::string& source);

// Writes atomically (a temporary file renamed over `path`): an error never
// leaves a half-written file, and an existing file stays as it was.
void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});
SafeTensorsFile load_safetensors(const std::string& path);

}  // namespace tern::io
