// Gradient codecs: the contract every compressor in tern::distributed::compress
// follows, the per-tensor error-feedback state, and the registry by name.
//
// A codec turns a float32 buffer into a byte stream and back. It works on
// plain spans so that it does not depend on the tensor core: the trainers
// hand it a tensor's data pointer. A Codec object is immutable after
// construction (its arguments); everything that changes from one step to the
// next lives in a CodecState the caller owns, one per tensor and per
// direction (3LC keeps separate error buffers for pushes and pulls).
//
//   auto codec = make_codec("3lc", {{"s", "1.9"}});
//   CodecState state;                       // starts with zero error
//   std::vector<uint8_t> stream;
//   codec->encode(grad, state, stream);     // updates state.error
//   codec->decode(stream, out);             // out.size() == grad.size()
//
// Streams carry no element count: it travels beside them (the CLI file
// format prefixes a little-endian u64). Decoders check every stream they are
// given and throw tern::ValueError on a truncated, padded or corrupted one;
// they never read or write outside the spans they were given.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tern/base/registry.h"

namespace tern::distributed::compress {

// The 2-D view of a tensor that matrix codecs (PowerSGD) use. rows == 0
// means "1-D, no shape known": such codecs pick a shape themselves (see
// their factory's documentation). Other codecs ignore it.
struct MatrixShape {
  int64_t rows = 0;
  int64_t cols = 0;
};

// Mutable per-tensor, per-direction state. Default-constructed state means
// "first step": zero error, no warm start. A state belongs to one tensor
// size; codecs reset it (with a fresh zero error) when the size changes.
struct CodecState {
  std::vector<float> error;  // error-feedback residual, same length as the tensor
  std::vector<float> aux;    // codec-specific memory (PowerSGD: the warm-start Q)
  uint64_t step = 0;         // encodes done; random codecs draw from (seed, step)
};

class Codec {
 public:
  virtual ~Codec() = default;

  // The registry name and the arguments it was built with, e.g. "3lc s=1.9".
  virtual std::string describe() const = 0;

  // Encodes src (plus the error in state, for codecs with error feedback)
  // into out, replacing its contents, and updates state. shape is only read
  // by matrix codecs; its rows*cols must equal src.size() when given.
  virtual void encode(std::span<const float> src, CodecState& state, std::vector<uint8_t>& out,
                      MatrixShape shape = {}) const = 0;

  // Decodes a stream produced by encode for dst.size() elements into dst.
  // Throws tern::ValueError if the stream is not a valid stream for that
  // count; dst may then hold partial output.
  virtual void decode(std::span<const uint8_t> stream, std::span<float> dst) const = 0;

  // An upper bound on the stream size for n elements, in bytes.
  virtual int64_t max_encoded_size(int64_t n, MatrixShape shape = {}) const = 0;

  // Whether encode keeps an error-feedback residual in state.error.
  virtual bool error_feedback() const = 0;
};

// Codec arguments, "k=v" pairs (tern/base/args.h): each factory reads the
// keys it knows with checked getters and the registry rejects keys nobody
// read, so a typo is an error, not a silent default. Errors name a key as
// "codec argument <key>".
class CodecArgs : public Args {
 public:
  CodecArgs() : Args("codec argument ") {}
  CodecArgs(std::map<std::string, std::string> kv) : Args(std::move(kv), "codec argument ") {}  // NOLINT: implicit
};

// Factories take the arguments and build an immutable codec.
using CodecRegistry = Registry<std::unique_ptr<Codec>()>;
using CodecInfo = CodecRegistry::Entry;

// Builds the codec registered under `name`. Throws tern::ValueError for an
// unknown name (listing the known ones), an unknown argument or a bad value.
std::unique_ptr<Codec> make_codec(const std::string& name, const CodecArgs& args = {});

// All registered codecs, in a fixed order (the built-in ones first).
const CodecRegistry& codec_registry();

// Adds a codec; throws tern::ValueError if the name is taken.
void register_codec(CodecInfo info);

}  // namespace tern::distributed::compress
