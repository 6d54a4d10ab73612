// Factories of the built-in codecs, one per source file. The registry in
// codec.cc calls them by name; listing them here (rather than with static
// registrars) keeps the linker from dropping codecs nobody references.
#pragma once

#include <memory>

#include "tern/distributed/compress/codec.h"

namespace tern::distributed::compress::detail {

std::unique_ptr<Codec> make_none(const Args& args);
std::unique_ptr<Codec> make_fp16(const Args& args);
std::unique_ptr<Codec> make_int8(const Args& args);
std::unique_ptr<Codec> make_threelc(const Args& args);
std::unique_ptr<Codec> make_terngrad(const Args& args);
std::unique_ptr<Codec> make_qsgd(const Args& args);
std::unique_ptr<Codec> make_topk(const Args& args);
std::unique_ptr<Codec> make_randomk(const Args& args);
std::unique_ptr<Codec> make_sign(const Args& args);
std::unique_ptr<Codec> make_powersgd(const Args& args);

// Resets state for a tensor of n elements if it was used for another size.
void fit_state(CodecState& state, size_t n, bool with_error);

}  // namespace tern::distributed::compress::detail
