#include "tern/nn/init.h"

#include <cmath>
#include <cstring>

#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace tern::nn::init {

namespace {
// Copies src's values into t's storage (t is a contiguous leaf).
void assign(Tensor& t, const Tensor& src) {
  TERN_ASSERT(t.is_contiguous() && src.dtype() == t.dtype() && src.numel() == t.numel());
  const Tensor s = contiguous(src);
  std::memcpy(t.raw_data(), s.raw_data(), t.nbytes());
}
}  // namespace

void uniform_(Tensor& t, double lo, double hi) {
  NoGradGuard g;
  assign(t, add_scalar(mul_scalar(rand(t.shape(), default_generator(), t.dtype()), hi - lo), lo));
}

void normal_(Tensor& t, double mean, double std) {
  NoGradGuard g;
  assign(t, add_scalar(mul_scalar(randn(t.shape(), default_generator(), t.dtype()), std), mean));
}

void constant_(Tensor& t, double value) {
  NoGradGuard g;
  assign(t, full(t.shape(), value, t.dtype()));
}

int64_t fan_in(const Tensor& w) {
  TERN_CHECK(w.dim() >= 2, "fan_in: weight needs at least 2 dims, got ", shape_str(w.shape()));
  return w.numel() / w.shape()[0];
}

int64_t fan_out(const Tensor& w) {
  TERN_CHECK(w.dim() >= 2, "fan_out: weight needs at least 2 dims, got ", shape_str(w.shape()));
  return w.numel() / w.shape()[1];
}

void default_weight_(Tensor& w) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in(w)));
  uniform_(w, -bound, bound);
}

void default_bias_(Tensor& b, int64_t fan) {
  const double bound = fan > 0 ? 1.0 / std::sqrt(static_cast<double>(fan)) : 0.0;
  uniform_(b, -bound, bound);
}

void kaiming_normal_(Tensor& w, bool use_fan_out) {
  const double fan = static_cast<double>(use_fan_out ? fan_out(w) : fan_in(w));
  normal_(w, 0.0, std::sqrt(2.0 / fan));
}

void xavier_uniform_(Tensor& w) {
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in(w) + fan_out(w)));
  uniform_(w, -bound, bound);
}

}  // namespace tern::nn::init
