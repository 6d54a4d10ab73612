// Parameter initialisers (PyTorch's defaults, so training curves compare).
//
// Every random initialiser is regenerable: element i of a parameter is a
// pure function of (seed, the parameter's stream offset, i), described by
// the InitSpec the initialiser returns (and the Module records beside the
// parameter, module.h). regenerate() recomputes any range of elements
// bit-identically to what the initialiser wrote, because the initialiser
// itself fills through regenerate(). Dropback (tern/optim/dropback.h) uses
// this to keep untracked weights at their initial values without storing
// them. The values are those of rand()/randn() followed by mul_scalar and
// add_scalar (the ops these initialisers used before), so models initialise
// exactly as they always did.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tern/core/tensor.h"

namespace tern::nn::init {

struct InitSpec {
  enum class Kind : uint8_t { none, constant, uniform, normal };
  Kind kind = Kind::none;  // none: not regenerable (set by hand, loaded, ...)
  double a = 0;            // constant: the value; uniform: low; normal: mean
  double b = 0;            // uniform: high; normal: standard deviation
  uint64_t seed = 0;       // the Philox stream of element 0 ...
  uint64_t offset = 0;     // ... and its index there: element i uses index offset + i

  bool regenerable() const { return kind != Kind::none; }
  bool operator==(const InitSpec&) const = default;
  // "uniform -0.0357 0.0357 seed 1 offset 4096" with round-trip doubles;
  // parse() reads it back (ValueError naming `what` otherwise).
  std::string str() const;
  static InitSpec parse(std::string_view text, std::string_view what);
};

// Writes elements [begin, begin + count) of the parameter `spec` describes,
// as f32 / f64, bit-identical to what the initialiser wrote. Throws
// ValueError for a spec of kind none.
void regenerate(const InitSpec& spec, int64_t begin, int64_t count, float* dst);
void regenerate(const InitSpec& spec, int64_t begin, int64_t count, double* dst);
// The whole tensor `t` (contiguous, f32 or f64) from `spec`.
void regenerate_into(const InitSpec& spec, Tensor& t);

// Fill in place and return how (the caller records it, Module::set_init).
// Random ones draw from default_generator(), reserving numel indices.
InitSpec uniform_(Tensor& t, double lo, double hi);
InitSpec normal_(Tensor& t, double mean, double std);
InitSpec constant_(Tensor& t, double value);
// fan_in / fan_out of a [out, in, k...] weight.
int64_t fan_in(const Tensor& w);
int64_t fan_out(const Tensor& w);
// PyTorch's default for Linear/Conv weights: kaiming_uniform with a = sqrt(5),
// i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
InitSpec default_weight_(Tensor& w);
InitSpec default_bias_(Tensor& b, int64_t fan_in);
// He initialisation for ReLU nets, normal with std = sqrt(2 / fan).
InitSpec kaiming_normal_(Tensor& w, bool use_fan_out = true);
InitSpec xavier_uniform_(Tensor& w);

namespace detail {
// The vector paths regenerate() picks from (uniform f32: AVX-512, AVX2 or
// scalar, the best the CPU has); tests cap it to check each against the
// initialiser. Not thread-safe: set it before regenerating.
enum class Simd { scalar, avx2, avx512 };
void set_simd_limit(Simd limit);
}  // namespace detail

}  // namespace tern::nn::init
