// Shared base of the baseline codecs: optional error feedback done once,
// generically (y = x + e; encode y; e = y - decode(stream)), so each codec
// only writes encode_values() and decode().
#pragma once

#include <cstdint>
#include <string>

#include "tern/distributed/compress/builtin.h"
#include "tern/distributed/compress/codec.h"

namespace tern::distributed::compress::detail {

class EfCodec : public Codec {
 public:
  EfCodec(std::string description, bool ef) : description_(std::move(description)), ef_(ef) {}

  std::string describe() const override { return description_; }
  bool error_feedback() const override { return ef_; }

  void encode(std::span<const float> src, CodecState& state, std::vector<uint8_t>& out,
              MatrixShape shape) const override;

 protected:
  // Encodes y (already x + e when error feedback is on) for step `step`.
  virtual void encode_values(std::span<const float> y, uint64_t step, std::vector<uint8_t>& out) const = 0;

 private:
  std::string description_;
  bool ef_;
};

// A seed for step `step` of a random codec: distinct streams per step.
inline uint64_t step_seed(uint64_t seed, uint64_t step) {
  return seed ^ (0x9E3779B97F4A7C15ull * (step + 1));
}

// max |v_i|; throws ValueError naming `codec` if v holds a NaN or infinity.
float checked_max_abs(std::span<const float> v, const char* codec);

}  // namespace tern::distributed::compress::detail
