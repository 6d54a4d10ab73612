// libFuzzer target: every codec's decoder on any stream. Bytes 0 and 1..4
// pick the codec and the element count (at most 2^16); the rest is the
// stream. A decoder fills its output or throws tern::ValueError; it never
// reads or writes outside its spans (codec.h's contract).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "tern/base/error.h"
#include "tern/distributed/compress/codec.h"

namespace cz = tern::distributed::compress;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const auto& codecs = cz::codec_registry().entries();
  uint32_t n = 0;
  std::memcpy(&n, data + 1, 4);
  n %= 1u << 16;
  static thread_local auto codec_cache = std::vector<std::unique_ptr<cz::Codec>>();
  if (codec_cache.empty())
    for (const auto& e : codecs) codec_cache.push_back(cz::make_codec(e.name));
  std::vector<float> out(n);
  try {
    codec_cache[data[0] % codecs.size()]->decode({data + 5, size - 5}, out);
  } catch (const tern::Error&) {
  }
  return 0;
}
