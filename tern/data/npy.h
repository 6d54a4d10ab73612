// NumPy's array files: `.npy` (one array) and `.npz` (a zip of `.npy`
// members, as np.savez and np.savez_compressed write them).
//
// Format (numpy/lib/format.py, "NEP 1"): the magic "\x93NUMPY", a major and
// minor version byte, the header length (little-endian u16 for version 1,
// u32 for 2 and 3), an ASCII Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with
// spaces to a multiple of 64 bytes and ended by '\n', then the raw data.
//
// Read: float16/32/64, int8/16/32/64, uint8/16/32 and bool, either byte
// order, C or Fortran order. Tern has no int8/int16/uint16/uint32 tensors,
// so those widen to int32 (uint32 to int64); uint64 and object, string or
// structured dtypes are refused. The result is always C-ordered.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "tern/core/tensor.h"

namespace tern::data {

// Reads `path`. Throws tern::IOError naming the file and what was expected
// (bad magic, truncated data, unsupported dtype, ...).
Tensor read_npy(const std::string& path);
// The same for the bytes of a .npy file; `source` names it in errors.
Tensor parse_npy(std::string_view bytes, const std::string& source);

// Every member of an .npz archive (stored or deflated), keyed by its name
// without ".npy" (np.savez(f, x=..., y=...) gives "x" and "y").
std::map<std::string, Tensor> read_npz(const std::string& path);
std::map<std::string, Tensor> parse_npz(std::string_view bytes, const std::string& source);

// Writes `t` (any Tern dtype numpy has: not bf16) as a version-1 .npy file,
// atomically (tern/base/atomic_file.h). `npy_bytes` is the same in memory.
void write_npy(const std::string& path, const Tensor& t);
std::string npy_bytes(const Tensor& t);

}  // namespace tern::data
