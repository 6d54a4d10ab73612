#include "tern/train/runlog/tfrecord.h"

#include <cstdint>

#include "tern/base/error.h"
#include "tern/train/runlog/crc32c.h"

namespace tern::train::runlog {
namespace {

void put_le(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t get_le(std::string_view s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
  return v;
}

}  // namespace

std::string tfrecord_frame(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 16);
  put_le(out, data.size(), 8);
  put_le(out, masked_crc32c(std::string_view(out.data(), 8)), 4);
  out.append(data);
  put_le(out, masked_crc32c(data), 4);
  return out;
}

std::vector<std::string> read_tfrecords(std::string_view bytes, const std::string& what) {
  std::vector<std::string> records;
  size_t at = 0;
  while (at < bytes.size()) {
    const size_t n = records.size();
    TERN_CHECK_T(IOError, bytes.size() - at >= 12, what, ": record ", n, " at offset ", at,
                 ": truncated header (", bytes.size() - at, " of 12 bytes)");
    const uint64_t len = get_le(bytes, at, 8);
    TERN_CHECK_T(IOError, get_le(bytes, at + 8, 4) == masked_crc32c(bytes.substr(at, 8)), what, ": record ", n,
                 " at offset ", at, ": length CRC mismatch");
    TERN_CHECK_T(IOError, len <= bytes.size() - at - 12 && bytes.size() - at - 12 - len >= 4, what, ": record ", n,
                 " at offset ", at, ": truncated (length ", len, ", ", bytes.size() - at - 12, " bytes left)");
    const std::string_view data = bytes.substr(at + 12, len);
    TERN_CHECK_T(IOError, get_le(bytes, at + 12 + len, 4) == masked_crc32c(data), what, ": record ", n,
                 " at offset ", at, ": data CRC mismatch");
    records.emplace_back(data);
    at += 16 + len;
  }
  return records;
}

}  // namespace tern::train::runlog
