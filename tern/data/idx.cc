#include "tern/data/idx.h"

#include <zlib.h>

#include "tern/base/error.h"

namespace tern::data {

namespace {

std::string read_maybe_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files transparently too
  if (!f) throw IOError(str_cat("cannot open ", path, " (expected an IDX file, e.g. from the dataset-fashion-mnist package)"));
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, n);
  int err = 0;
  const char* msg = gzerror(f, &err);
  const bool failed = n < 0 || (err != Z_OK && err != Z_STREAM_END);
  const std::string why = failed ? msg : "";
  gzclose(f);
  if (failed) throw IOError(str_cat("cannot read ", path, ": ", why));
  return out;
}

uint32_t be32(const std::string& s, size_t at) {
  return (uint32_t(uint8_t(s[at])) << 24) | (uint32_t(uint8_t(s[at + 1])) << 16) |
         (uint32_t(uint8_t(s[at + 2])) << 8) | uint32_t(uint8_t(s[at + 3]));
}

}  // namespace

IdxArray read_idx(const std::string& path) { return parse_idx(read_maybe_gzip(path), path); }

IdxArray parse_idx(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw IOError(str_cat(path, ": not an IDX file (bad magic number)"));
  if (uint8_t(bytes[2]) != 0x08)
    throw IOError(str_cat(path, ": IDX element type ", int(uint8_t(bytes[2])), " not supported (expected 8 = unsigned byte)"));
  const int ndims = uint8_t(bytes[3]);
  if (ndims < 1 || bytes.size() < 4 + 4 * size_t(ndims))
    throw IOError(str_cat(path, ": truncated IDX header"));
  IdxArray out;
  const size_t header = 4 + 4 * size_t(ndims);
  const uint64_t data_bytes = bytes.size() - header;
  // The element count is checked against the data as it is multiplied, so a
  // header like [4, 2^31, 2^31] cannot overflow into a small number.
  uint64_t count = 1;
  std::string dims;
  for (int d = 0; d < ndims; ++d) {
    const uint32_t n = be32(bytes, 4 + 4 * d);
    out.shape.push_back(n);
    dims += (d ? " x " : "") + std::to_string(n);
    count = n == 0 ? 0 : (count > data_bytes / n ? data_bytes + 1 : count * n);
  }
  if (count > data_bytes)
    throw IOError(str_cat(path, ": header says ", dims, " bytes of data, more than the ", data_bytes,
                          " the file has (truncated or not an IDX file)"));
  if (count != data_bytes)
    throw IOError(str_cat(path, ": header says ", dims, " = ", count, " bytes of data, the file has ", data_bytes));
  out.data.assign(bytes.begin() + header, bytes.end());
  return out;
}

}  // namespace tern::data
