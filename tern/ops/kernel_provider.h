// Kernel providers: libraries of faster kernels for the ops (tern/ops/cpu
// today; a CUDA one later) that plug into the registry. tern_ops itself has
// the op definitions and one portable reference kernel per op; a provider
// adds its kernels (register_kernel in opdef.h, each with a priority above
// the reference's and a supports() predicate) when the registry is built.
#pragma once

#include <string>
#include <vector>

namespace tern {

// Adds a provider: register_fn runs right after the reference kernels are
// registered, during the registry's one-time build (registry.cc), or at once
// if the registry is already built. Call it before any thread runs ops, as
// a static registrar does (tern/ops/cpu/provider.cc). A name added twice is
// kept once.
void add_kernel_provider(const char* name, void (*register_fn)());

// The kernel sets this program has: the providers' names in the order they
// were added, then "reference" (tern_ops' own, always there).
std::vector<std::string> kernel_providers();
// The same list as one string, e.g. "cpu, reference" (for `tern --version`).
std::string kernel_providers_text();

}  // namespace tern
