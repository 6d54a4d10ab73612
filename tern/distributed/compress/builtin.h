// Factories of the built-in codecs, one per source file. The registry in
// codec.cc calls them by name; listing them here (rather than with static
// registrars) keeps the linker from dropping codecs nobody references.
#pragma once

#include <memory>

#include "tern/distributed/compress/codec.h"

namespace tern::distributed::compress::detail {

std::unique_ptr<Codec> make_none(const CodecArgs& args);
std::unique_ptr<Codec> make_fp16(const CodecArgs& args);
std::unique_ptr<Codec> make_int8(const CodecArgs& args);
std::unique_ptr<Codec> make_threelc(const CodecArgs& args);
std::unique_ptr<Codec> make_terngrad(const CodecArgs& args);
std::unique_ptr<Codec> make_qsgd(const CodecArgs& args);
std::unique_ptr<Codec> make_topk(const CodecArgs& args);
std::unique_ptr<Codec> make_randomk(const CodecArgs& args);
std::unique_ptr<Codec> make_sign(const CodecArgs& args);
std::unique_ptr<Codec> make_powersgd(const CodecArgs& args);

// Resets state for a tensor of n elements if it was used for another size.
void fit_state(CodecState& state, size_t n, bool with_error);

}  // namespace tern::distributed::compress::detail
