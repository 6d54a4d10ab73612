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

// Codec arguments, "k=v" pairs. Each factory reads the keys it knows and the
// registry rejects keys nobody read, so a typo is an error, not a silent
// default.
class CodecArgs {
 public:
  CodecArgs() = default;
  CodecArgs(std::map<std::string, std::string> kv) : kv_(std::move(kv)) {}  // NOLINT: implicit by design
  // Parses "k=v" (as on the command line); repeated keys: the last wins.
  void add(std::string_view key_eq_value);
  void set(std::string key, std::string value) { kv_[std::move(key)] = std::move(value); }

  double get_double(const std::string& key, double fallback) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  bool has(const std::string& key) const { return kv_.count(key) != 0; }

  // Keys given but never read by get_*; the registry reports them.
  std::vector<std::string> unread() const;
  const std::map<std::string, std::string>& items() const { return kv_; }

 private:
  const std::string* find(const std::string& key) const;
  std::map<std::string, std::string> kv_;
  mutable std::map<std::string, bool> read_;
};

using CodecFactory = std::unique_ptr<Codec> (*)(const CodecArgs& args);

struct CodecInfo {
  std::string name;
  std::string help;  // one line: what it is and its arguments with defaults
  CodecFactory factory;
};

// Builds the codec registered under `name`. Throws tern::ValueError for an
// unknown name (listing the known ones), an unknown argument or a bad value.
std::unique_ptr<Codec> make_codec(const std::string& name, const CodecArgs& args = {});

// All registered codecs, in a fixed order (the built-in ones first).
const std::vector<CodecInfo>& codec_registry();

// Adds a codec; throws tern::ValueError if the name is taken.
void register_codec(CodecInfo info);

}  // namespace tern::distributed::compress
