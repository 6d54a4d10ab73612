// Reader for the IDX format used by MNIST and Fashion-MNIST (gzip'ed or not).
// Layout: big-endian magic 0x00 0x00 <type> <ndims>, ndims big-endian u32
// sizes, then the data. Only unsigned bytes (type 0x08) are supported, which
// is what both datasets use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::data {

struct IdxArray {
  std::vector<int64_t> shape;  // e.g. {60000, 28, 28} or {60000}
  std::vector<uint8_t> data;   // row-major, shape product bytes
};

// Reads `path` (".gz" or plain). Throws tern::IOError naming the file and the
// problem (missing, truncated, bad magic) on failure.
IdxArray read_idx(const std::string& path);
// The same for the (decompressed) bytes of an IDX file; `source` names it in errors.
IdxArray parse_idx(const std::string& bytes, const std::string& source);

// Where Debian's dataset-fashion-mnist installs the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace tern::data
