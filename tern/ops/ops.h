// Public op functions. Each checks its arguments and calls dispatch(); the
// comment beside each says what its Attrs hold (the graph IR stores them).
// Shapes are int64_t; dims may be negative (counted from the end).
#pragma once

#include <optional>
#include <vector>

#include "tern/base/philox.h"
#include "tern/core/tensor.h"
#include "tern/ops/op_attrs.h"

namespace tern {

// --- creation --------------------------------------------------------------
// full: ints = shape, floats = {value}, dtype.
Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
Tensor zeros(const Shape& shape, DType dtype = DType::f32);
Tensor ones(const Shape& shape, DType dtype = DType::f32);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
// arange: floats = {start, end, step}, dtype.
Tensor arange(double start, double end, double step = 1, DType dtype = DType::i64);
// rand/randn: ints = shape ++ {seed, offset}; element i uses Philox(seed, offset + i).
Tensor rand(const Shape& shape, Generator& gen = default_generator(), DType dtype = DType::f32);
Tensor randn(const Shape& shape, Generator& gen = default_generator(), DType dtype = DType::f32);

// --- copy / conversion -----------------------------------------------------
Tensor contiguous(const Tensor& t);  // returns t itself if already contiguous
Tensor clone(const Tensor& t);       // always a new contiguous copy
Tensor cast(const Tensor& t, DType dtype);  // dtype attr

// --- unary elementwise -----------------------------------------------------
Tensor neg(const Tensor& t);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor add_scalar(const Tensor& t, double s);  // floats = {s}
Tensor mul_scalar(const Tensor& t, double s);  // floats = {s}
Tensor pow_scalar(const Tensor& t, double p);  // floats = {p}
Tensor square(const Tensor& t);
// relu_grad(g, y) = g where y > 0, else 0 (relu's backward, fused).
Tensor relu_grad(const Tensor& g, const Tensor& y);

// --- binary elementwise, numpy broadcasting --------------------------------
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);

// --- comparisons (bool result) and selection -------------------------------
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// --- reductions: ints = dims (empty = all) ++ {keepdim} --------------------
Tensor sum(const Tensor& t, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor mean(const Tensor& t, std::vector<int64_t> dims = {}, bool keepdim = false);
// var: floats = {correction} (1 = unbiased)
Tensor var(const Tensor& t, std::vector<int64_t> dims = {}, bool keepdim = false, int64_t correction = 1);
// max / argmax / logsumexp over one dim: ints = {dim, keepdim}
Tensor max(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& t, int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& t, int64_t dim, bool keepdim = false);

// --- movement --------------------------------------------------------------
Tensor reshape(const Tensor& t, std::vector<int64_t> shape);  // ints = shape (one -1 allowed)
Tensor flatten(const Tensor& t, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor unsqueeze(const Tensor& t, int64_t dim);
Tensor squeeze(const Tensor& t, int64_t dim);
Tensor permute(const Tensor& t, std::vector<int64_t> dims);  // ints = dims
Tensor transpose(const Tensor& t, int64_t a, int64_t b);
Tensor expand(const Tensor& t, std::vector<int64_t> shape);  // ints = shape (-1 keeps)
// slice: ints = {dim, start, end, step}; negative/oversized bounds clamp like Python.
Tensor slice(const Tensor& t, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
// pad: ints = {before_0, after_0, before_1, after_1, ...} for the LAST dims
// (as torch.nn.functional.pad: the last dim first), floats = {value}.
Tensor pad(const Tensor& t, std::vector<int64_t> pads, double value = 0);
Tensor cat(const std::vector<Tensor>& ts, int64_t dim);  // ints = {dim}; up to kMaxInputs
Tensor stack(const std::vector<Tensor>& ts, int64_t dim);
std::vector<Tensor> split(const Tensor& t, int64_t size, int64_t dim);

// --- indexing (index tensors are i64) --------------------------------------
Tensor gather(const Tensor& t, int64_t dim, const Tensor& index);  // ints = {dim}
Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index);  // ints = {dim}
// out = t with src added at index along dim (same shapes as gather).
Tensor scatter_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);
// out = t; out.select(dim, index[i]) += src.select(dim, i)
Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src);

// --- linear algebra --------------------------------------------------------
// Batched matrix product with broadcasting over leading dims; 1-D operands
// are not promoted: pass 2-D.
Tensor matmul(const Tensor& a, const Tensor& b);
// y = x W^T + b, W: [out, in], x: [..., in]. b may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// --- convolution and pooling (NCHW) ----------------------------------------
// conv2d's attributes (op_attrs.h): strides, padding, dilation, groups.
using Conv2dOptions = Conv2dAttrs;
// conv2d: ints = Conv2dAttrs {stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups}; bias optional.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Conv2dOptions opt = {});
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
              int64_t dilation = 1, int64_t groups = 1);
// pooling: ints = Pool2dAttrs {k_h, k_w, stride_h, stride_w, pad_h, pad_w}
Tensor max_pool2d(const Tensor& x, int64_t kernel, int64_t stride = -1, int64_t padding = 0);
Tensor avg_pool2d(const Tensor& x, int64_t kernel, int64_t stride = -1, int64_t padding = 0);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

// --- normalisation ---------------------------------------------------------
// batch_norm over dim 1 of [N, C, ...]. In training mode, uses batch
// statistics and updates running_mean/var in place (if defined) with
// `momentum`; in eval mode uses them. ints = {training}, floats = {momentum, eps}.
Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);
// layer_norm over the last `normalized_dims` dims. ints = {normalized_dims}, floats = {eps}.
Tensor layer_norm(const Tensor& x, int64_t normalized_dims, const Tensor& weight, const Tensor& bias,
                  double eps = 1e-5);

// --- activations, losses, regularisation -----------------------------------
Tensor softmax(const Tensor& t, int64_t dim);      // ints = {dim}
Tensor log_softmax(const Tensor& t, int64_t dim);  // ints = {dim}
// Mean negative log-likelihood of log-probabilities [N, C] at target [N] (i64).
Tensor nll_loss(const Tensor& logp, const Tensor& target);
// Mean cross-entropy of logits [N, C] and target [N] (i64); fused for speed.
Tensor cross_entropy(const Tensor& logits, const Tensor& target);
Tensor mse_loss(const Tensor& a, const Tensor& b);
// dropout: ints = {seed, offset}, floats = {p}; eval mode or p = 0 returns x itself
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen = default_generator());
Tensor embedding(const Tensor& weight, const Tensor& indices);

// --- operators -------------------------------------------------------------
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add_scalar(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return add_scalar(a, -s); }
inline Tensor operator*(const Tensor& a, double s) { return mul_scalar(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return mul_scalar(a, 1.0 / s); }
inline Tensor operator*(double s, const Tensor& a) { return mul_scalar(a, s); }

// --- helpers ---------------------------------------------------------------
// Sums `t` down to `shape` (reverses broadcasting); returns t if equal.
Tensor sum_to(const Tensor& t, const Shape& shape);
// True if all elements are within atol + rtol*|b|.
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);

}  // namespace tern
