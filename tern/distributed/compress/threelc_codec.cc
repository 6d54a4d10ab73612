// The "3lc" registry entry: threelc::encode/decode behind the Codec interface.
#include <sstream>

#include "tern/base/error.h"
#include "tern/distributed/compress/builtin.h"
#include "tern/distributed/compress/threelc.h"

namespace tern::distributed::compress::detail {

namespace {

class ThreeLcCodec final : public Codec {
 public:
  explicit ThreeLcCodec(threelc::Options opt) : opt_(opt) {}

  std::string describe() const override {
    std::ostringstream os;
    os << "3lc s=" << opt_.sparsity << " zero_run=" << (opt_.zero_run ? 1 : 0);
    return os.str();
  }

  void encode(std::span<const float> src, CodecState& state, std::vector<uint8_t>& out,
              MatrixShape) const override {
    fit_state(state, src.size(), true);
    threelc::encode(src, state.error, opt_, out);
    ++state.step;
  }

  void decode(std::span<const uint8_t> stream, std::span<float> dst) const override {
    threelc::decode(stream, dst);
  }

  int64_t max_encoded_size(int64_t n, MatrixShape) const override { return threelc::max_stream_size(n); }
  bool error_feedback() const override { return true; }

 private:
  threelc::Options opt_;
};

}  // namespace

std::unique_ptr<Codec> make_threelc(const Args& args) {
  threelc::Options opt;
  // "sparsity" is the CLI's long name for s.
  opt.sparsity = static_cast<float>(args.get_double("s", args.get_double("sparsity", 1.0)));
  opt.zero_run = args.get_bool("zero_run", true);
  TERN_CHECK(opt.sparsity >= 1.0f && opt.sparsity < 2.0f,
             "3lc: sparsity multiplier s must be in [1, 2), given ", opt.sparsity);
  return std::make_unique<ThreeLcCodec>(opt);
}

}  // namespace tern::distributed::compress::detail
