#include "tern/distributed/compress/codec.h"

#include "tern/base/error.h"
#include "tern/distributed/compress/builtin.h"

namespace tern::distributed::compress {

namespace {

CodecRegistry& registry() {
  static CodecRegistry r = [] {
    CodecRegistry c("codec");
    c.add({"none", "fp32, uncompressed (4 bytes/element)", {}, detail::make_none});
    c.add({"fp16", "IEEE half precision, round to nearest even; ef=0", {}, detail::make_fp16});
    c.add({"int8", "scaled int8, scale = max|y|/127; ef=0", {}, detail::make_int8});
    c.add({"3lc", "3LC: 3-value quantization, base-3^5, zero runs; s=1.0 in [1,2), zero_run=1", {},
           detail::make_threelc});
    c.add({"terngrad", "TernGrad stochastic ternary, scale = max|y|; seed=0, ef=0", {}, detail::make_terngrad});
    c.add({"qsgd", "QSGD stochastic quantization to s levels of |y|/||y||_2; s=4, seed=0, ef=0", {},
           detail::make_qsgd});
    c.add({"topk", "top-k by magnitude with error feedback (DGC); ratio=0.01 or k=N, ef=1", {}, detail::make_topk});
    c.add({"randomk", "random-k with error feedback; ratio=0.01 or k=N, seed=0, ef=1", {}, detail::make_randomk});
    c.add({"sign", "EF-signSGD: sign bits scaled by mean|y|; ef=1", {}, detail::make_sign});
    c.add({"powersgd", "PowerSGD rank-r with error feedback and warm start; rank=4, cols=C (1-D shape), seed=0, ef=1",
           {}, detail::make_powersgd});
    return c;
  }();
  return r;
}

}  // namespace

const CodecRegistry& codec_registry() { return registry(); }

void register_codec(CodecInfo info) { registry().add(std::move(info)); }

std::unique_ptr<Codec> make_codec(const std::string& name, const CodecArgs& args) {
  return registry().make(name, args);
}

namespace detail {

void fit_state(CodecState& state, size_t n, bool with_error) {
  const size_t want = with_error ? n : 0;
  if (state.error.size() != want) {
    state.error.assign(want, 0.0f);
    state.aux.clear();
    state.step = 0;
  }
}

}  // namespace detail

}  // namespace tern::distributed::compress
