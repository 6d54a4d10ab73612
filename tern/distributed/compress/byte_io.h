// Little-endian stream helpers shared by the codecs. The reader checks every
// access against the stream's end and throws tern::ValueError naming the
// codec, so a truncated stream is a clear error and never an overread.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "tern/base/error.h"

namespace tern::distributed::compress {

// Appends little-endian scalars (this library only builds for
// little-endian hosts, where memcpy is the encoding).
static_assert(std::endian::native == std::endian::little, "tern_compress assumes a little-endian host");

template <typename T>
inline void put(std::vector<uint8_t>& out, T value) {
  const size_t at = out.size();
  out.resize(at + sizeof(T));
  std::memcpy(out.data() + at, &value, sizeof(T));
}

template <typename T>
inline void put_array(std::vector<uint8_t>& out, std::span<const T> values) {
  const size_t at = out.size();
  out.resize(at + values.size_bytes());
  if (!values.empty()) std::memcpy(out.data() + at, values.data(), values.size_bytes());
}

class ByteReader {
 public:
  ByteReader(std::span<const uint8_t> stream, const char* codec) : s_(stream), codec_(codec) {}

  template <typename T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }

  // Returns the next `bytes` bytes as a span after checking they exist.
  std::span<const uint8_t> take(uint64_t bytes, const char* what) {
    need(bytes, what);
    auto r = s_.subspan(pos_, bytes);
    pos_ += bytes;
    return r;
  }

  size_t remaining() const { return s_.size() - pos_; }

  // Streams have an exact length: trailing bytes mean a corrupted stream.
  void expect_end() const {
    TERN_CHECK(pos_ == s_.size(), codec_, " stream: expected ", pos_, " bytes, given ", s_.size(),
               " (trailing bytes: corrupted stream or wrong element count)");
  }

 private:
  void need(uint64_t bytes, const char* what) const {
    TERN_CHECK(bytes <= s_.size() - pos_, codec_, " stream truncated: need ", bytes, " bytes for ",
               what, " at offset ", pos_, ", only ", s_.size() - pos_, " left (stream is ", s_.size(),
               " bytes)");
  }
  std::span<const uint8_t> s_;
  const char* codec_;
  size_t pos_ = 0;
};

// Packs fixed-width codes (1..32 bits) LSB first into bytes.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>& out) : out_(out) {}
  void write(uint32_t code, int bits) {
    acc_ |= uint64_t{code} << fill_;
    fill_ += bits;
    while (fill_ >= 8) {
      out_.push_back(static_cast<uint8_t>(acc_));
      acc_ >>= 8;
      fill_ -= 8;
    }
  }
  void flush() {
    if (fill_ > 0) out_.push_back(static_cast<uint8_t>(acc_));
    acc_ = 0;
    fill_ = 0;
  }

 private:
  std::vector<uint8_t>& out_;
  uint64_t acc_ = 0;
  int fill_ = 0;
};

// Reads codes written by BitWriter from a span whose length the caller has
// already checked (bytes == ceil(count*bits/8)); the final padding bits must
// be zero, which check_padding verifies.
class BitReader {
 public:
  explicit BitReader(std::span<const uint8_t> bytes) : b_(bytes) {}
  uint32_t read(int bits) {
    while (fill_ < bits) {
      const uint64_t next = pos_ < b_.size() ? b_[pos_] : 0;
      ++pos_;
      acc_ |= next << fill_;
      fill_ += 8;
    }
    const uint32_t v = static_cast<uint32_t>(acc_ & ((uint64_t{1} << bits) - 1));
    acc_ >>= bits;
    fill_ -= bits;
    return v;
  }
  bool padding_is_zero() const { return acc_ == 0; }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
  uint64_t acc_ = 0;
  int fill_ = 0;
};

inline uint64_t packed_bytes(uint64_t count, int bits) { return (count * bits + 7) / 8; }

}  // namespace tern::distributed::compress
