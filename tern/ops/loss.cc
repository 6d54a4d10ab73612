// softmax / log_softmax, losses (nll, fused cross-entropy, mse), dropout and
// embedding.
#include <cmath>
#include <cstring>

#include "tern/ops/op_helpers.h"

namespace tern {
namespace ops {
namespace {

// --- softmax / log_softmax: ints = {dim} ---------------------------------------

int infer_softmax(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "softmax");
  TERN_CHECK(in[0].dim() > 0, "softmax: needs at least one dim");
  wrap_dim(a.i(0), in[0].dim());
  out[0] = {in[0].shape(), in[0].dtype()};
  return 1;
}

template <bool kLog>
void softmax_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]);
  const int64_t dim = wrap_dim(k.attrs.i(0), x.dim());
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x.shape()[d];
  for (int64_t d = dim + 1; d < x.dim(); ++d) inner *= x.shape()[d];
  const int64_t n = x.shape()[dim];
  TERN_FLOAT_SWITCH(x.dtype(), "softmax", [&] {
    const T* xp = x.data<T>();
    T* y = k.out[0].data<T>();
    parallel_for(outer * inner, 64, [&](int64_t b, int64_t e) {
      for (int64_t idx = b; idx < e; ++idx) {
        const int64_t base = (idx / inner) * n * inner + idx % inner;
        T m = xp[base];
        for (int64_t j = 1; j < n; ++j) m = std::max(m, xp[base + j * inner]);
        double s = 0;
        for (int64_t j = 0; j < n; ++j) s += std::exp(static_cast<double>(xp[base + j * inner] - m));
        const double lse = m + std::log(s);
        for (int64_t j = 0; j < n; ++j) {
          const double v = xp[base + j * inner] - lse;
          y[base + j * inner] = static_cast<T>(kLog ? v : std::exp(v));
        }
      }
    });
  });
}

void grad_softmax(GradArgs& g) {
  const int64_t dim = g.attrs.i(0);
  const Tensor& y = g.out[0];
  g.gin[0] = mul(y, sub(g.gout[0], sum(mul(g.gout[0], y), {dim}, true)));
}

void grad_log_softmax(GradArgs& g) {
  const int64_t dim = g.attrs.i(0);
  g.gin[0] = sub(g.gout[0], mul(exp(g.out[0]), sum(g.gout[0], {dim}, true)));
}

// --- nll_loss(logp [N, C], target [N]) ----------------------------------------------

void check_targets(const Tensor& x, const Tensor& t, const char* op) {
  TERN_CHECK(x.dim() == 2, op, ": input must be [N, C], got ", shape_str(x.shape()));
  TERN_CHECK_TYPE(t.dtype() == DType::i64, op, ": target must be i64 class indices, got ", dtype_name(t.dtype()));
  TERN_CHECK(t.dim() == 1 && t.shape()[0] == x.shape()[0], op, ": target must be [", x.shape()[0], "], got ",
             shape_str(t.shape()));
  TERN_CHECK(x.shape()[0] > 0, op, ": empty batch");
}

int infer_nll(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  check_float(in[0], "nll_loss");
  check_targets(in[0], in[1], "nll_loss");
  out[0] = {Shape{}, in[0].dtype()};
  return 1;
}

void nll_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), t = as_contiguous(k.in[1]);
  const int64_t n = x.shape()[0], c = x.shape()[1];
  const int64_t* tp = t.data<int64_t>();
  TERN_FLOAT_SWITCH(x.dtype(), "nll_loss", [&] {
    const T* xp = x.data<T>();
    double s = 0;
    for (int64_t i = 0; i < n; ++i) {
      TERN_CHECK_INDEX(tp[i] >= 0 && tp[i] < c, "nll_loss: target ", tp[i], " out of range [0, ", c, ")");
      s -= xp[i * c + tp[i]];
    }
    *k.out[0].data<T>() = static_cast<T>(s / n);
  });
}

void grad_nll(GradArgs& g) {
  const int64_t n = g.in_meta[0].shape[0];
  const Tensor src = expand(reshape(mul_scalar(g.gout[0], -1.0 / n), {1, 1}), {n, 1});
  g.gin[0] = scatter_add(zeros(g.in_meta[0].shape, g.gout[0].dtype()), 1, reshape(g.in[1], {n, 1}), contiguous(src));
}

// --- cross_entropy(logits [N, C], target [N]) -> loss, probs --------------------------

int infer_ce(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  check_float(in[0], "cross_entropy");
  check_targets(in[0], in[1], "cross_entropy");
  out[0] = {Shape{}, in[0].dtype()};
  out[1] = {in[0].shape(), in[0].dtype()};
  return 2;
}

void ce_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), t = as_contiguous(k.in[1]);
  const int64_t n = x.shape()[0], c = x.shape()[1];
  const int64_t* tp = t.data<int64_t>();
  for (int64_t i = 0; i < n; ++i)
    TERN_CHECK_INDEX(tp[i] >= 0 && tp[i] < c, "cross_entropy: target ", tp[i], " out of range [0, ", c, ")");
  TERN_FLOAT_SWITCH(x.dtype(), "cross_entropy", [&] {
    const T* xp = x.data<T>();
    T* probs = k.out[1].data<T>();
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      const T* row = xp + i * c;
      T m = row[0];
      for (int64_t j = 1; j < c; ++j) m = std::max(m, row[j]);
      double s = 0;
      for (int64_t j = 0; j < c; ++j) s += std::exp(static_cast<double>(row[j] - m));
      const double lse = m + std::log(s);
      for (int64_t j = 0; j < c; ++j) probs[i * c + j] = static_cast<T>(std::exp(row[j] - lse));
      total += lse - row[tp[i]];
    }
    *k.out[0].data<T>() = static_cast<T>(total / n);
  });
}

void grad_ce(GradArgs& g) {
  g.gin[0] = dispatch1(OpKind::cross_entropy_grad, {g.gout[0], g.out[1], g.in[1]});
}

// cross_entropy_grad(g, probs, target) = (probs - onehot(target)) * g / N
int infer_ce_grad(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  out[0] = {in[1].shape(), in[1].dtype()};
  return 1;
}

void ce_grad_ref(KernelArgs& k) {
  const Tensor p = as_contiguous(k.in[1]), t = as_contiguous(k.in[2]);
  const int64_t n = p.shape()[0], c = p.shape()[1];
  const int64_t* tp = t.data<int64_t>();
  TERN_FLOAT_SWITCH(p.dtype(), "cross_entropy_grad", [&] {
    const T scale = static_cast<T>(k.in[0].item() / n);
    const T* pp = p.data<T>();
    T* gx = k.out[0].data<T>();
    for (int64_t i = 0; i < n * c; ++i) gx[i] = pp[i] * scale;
    for (int64_t i = 0; i < n; ++i) gx[i * c + tp[i]] -= scale;
  });
}

// --- mse_loss(a, b) = mean((a - b)^2) ---------------------------------------------

int infer_mse(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  check_float(in[0], "mse_loss");
  TERN_CHECK(in[0].shape() == in[1].shape(), "mse_loss: shapes differ: ", shape_str(in[0].shape()), " vs ",
             shape_str(in[1].shape()));
  TERN_CHECK_TYPE(in[0].dtype() == in[1].dtype(), "mse_loss: dtypes differ");
  out[0] = {Shape{}, in[0].dtype()};
  return 1;
}

void mse_ref(KernelArgs& k) {
  const Tensor a = as_contiguous(k.in[0]), b = as_contiguous(k.in[1]);
  TERN_FLOAT_SWITCH(a.dtype(), "mse_loss", [&] {
    const T* ap = a.data<T>();
    const T* bp = b.data<T>();
    double s = 0;
    for (int64_t i = 0; i < a.numel(); ++i) s += static_cast<double>(ap[i] - bp[i]) * (ap[i] - bp[i]);
    *k.out[0].data<T>() = static_cast<T>(s / std::max<int64_t>(a.numel(), 1));
  });
}

void grad_mse(GradArgs& g) {
  const double n = static_cast<double>(std::max<int64_t>(numel_of(g.in_meta[0].shape), 1));
  const Tensor d = mul(sub(g.in[0], g.in[1]), mul_scalar(g.gout[0], 2.0 / n));
  if (g.needs[0]) g.gin[0] = d;
  if (g.needs[1]) g.gin[1] = neg(d);
}

// --- dropout(x): ints = {seed, offset}, floats = {p} -> y, mask --------------------

int infer_dropout(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  check_float(in[0], "dropout");
  TERN_CHECK(a.f(0) >= 0 && a.f(0) < 1, "dropout: p must be in [0, 1), got ", a.f(0));
  out[0] = {in[0].shape(), in[0].dtype()};
  out[1] = {in[0].shape(), in[0].dtype()};
  return 2;
}

void dropout_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]);
  const uint64_t seed = static_cast<uint64_t>(k.attrs.i(0)), offset = static_cast<uint64_t>(k.attrs.i(1));
  const double p = k.attrs.f(0);
  TERN_FLOAT_SWITCH(x.dtype(), "dropout", [&] {
    const T* xp = x.data<T>();
    T* y = k.out[0].data<T>();
    T* mask = k.out[1].data<T>();
    const T keep_scale = static_cast<T>(1.0 / (1.0 - p));
    parallel_elementwise(x.numel(), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        mask[i] = Philox::uniform(seed, offset + i) >= p ? keep_scale : T(0);
        y[i] = xp[i] * mask[i];
      }
    });
  });
}

void grad_dropout(GradArgs& g) { g.gin[0] = mul(g.gout[0], g.out[1]); }

// --- embedding(weight [V, D], indices [...]) -> [..., D] -------------------------------

int infer_embedding(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  TERN_CHECK(in[0].dim() == 2, "embedding: weight must be [num_embeddings, dim], got ", shape_str(in[0].shape()));
  TERN_CHECK_TYPE(in[1].dtype() == DType::i64, "embedding: indices must be i64, got ", dtype_name(in[1].dtype()));
  Shape s = in[1].shape();
  s.push_back(in[0].shape()[1]);
  out[0] = {s, in[0].dtype()};
  return 1;
}

void embedding_ref(KernelArgs& k) {
  const Tensor w = as_contiguous(k.in[0]), idx = as_contiguous(k.in[1]);
  const int64_t v = w.shape()[0], d = w.shape()[1], item = static_cast<int64_t>(itemsize(w.dtype()));
  const int64_t* ip = idx.data<int64_t>();
  const char* src = static_cast<const char*>(w.raw_data());
  char* dst = static_cast<char*>(k.out[0].raw_data());
  for (int64_t i = 0; i < idx.numel(); ++i) {
    TERN_CHECK_INDEX(ip[i] >= 0 && ip[i] < v, "embedding: index ", ip[i], " out of range [0, ", v, ")");
    std::memcpy(dst + i * d * item, src + ip[i] * d * item, d * item);
  }
}

void grad_embedding(GradArgs& g) {
  const int64_t d = g.in_meta[0].shape[1];
  g.gin[0] = index_add(zeros(g.in_meta[0].shape, g.gout[0].dtype()), 0, reshape(g.in[1], {-1}),
                       reshape(g.gout[0], {-1, d}));
}

}  // namespace

void register_loss_ops() {
  define_op(OpKind::softmax, {.infer = infer_softmax, .grad = grad_softmax, .save_outputs = 1, .reference = softmax_ref<false>});
  define_op(OpKind::log_softmax, {.infer = infer_softmax, .grad = grad_log_softmax, .save_outputs = 1, .reference = softmax_ref<true>});
  define_op(OpKind::nll_loss, {.infer = infer_nll, .grad = grad_nll, .save_inputs = 2, .reference = nll_ref});
  define_op(OpKind::cross_entropy, {.infer = infer_ce, .grad = grad_ce, .save_inputs = 2, .save_outputs = 2, .reference = ce_ref});
  define_op(OpKind::cross_entropy_grad, {.infer = infer_ce_grad, .reference = ce_grad_ref});
  define_op(OpKind::mse_loss, {.infer = infer_mse, .grad = grad_mse, .save_inputs = 3, .reference = mse_ref});
  define_op(OpKind::dropout, {.infer = infer_dropout, .grad = grad_dropout, .save_outputs = 2, .reference = dropout_ref});
  define_op(OpKind::embedding, {.infer = infer_embedding, .grad = grad_embedding, .save_inputs = 2, .reference = embedding_ref});
}

}  // namespace ops

Tensor softmax(const Tensor& t, int64_t dim) { return dispatch1(OpKind::softmax, {t}, Attrs{{dim}, {}}); }
Tensor log_softmax(const Tensor& t, int64_t dim) { return dispatch1(OpKind::log_softmax, {t}, Attrs{{dim}, {}}); }
Tensor nll_loss(const Tensor& logp, const Tensor& target) { return dispatch1(OpKind::nll_loss, {logp, target}); }
Tensor cross_entropy(const Tensor& logits, const Tensor& target) {
  Tensor out[kMaxOutputs];
  const Tensor in[2] = {logits, target};
  dispatch(OpKind::cross_entropy, in, 2, Attrs{}, out);
  return out[0];
}
Tensor mse_loss(const Tensor& a, const Tensor& b) { return dispatch1(OpKind::mse_loss, {a, b}); }

Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  if (!training || p == 0) return x;
  Attrs a{{static_cast<int64_t>(gen.seed()), static_cast<int64_t>(gen.reserve(static_cast<uint64_t>(x.numel())))}, {p}};
  Tensor out[kMaxOutputs];
  dispatch(OpKind::dropout, &x, 1, a, out);
  return out[0];
}

Tensor embedding(const Tensor& weight, const Tensor& indices) { return dispatch1(OpKind::embedding, {weight, indices}); }

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (a.shape() != b.shape()) return false;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.item_at(i), y = b.item_at(i);
    if (std::isnan(x) != std::isnan(y)) return false;
    if (!std::isnan(x) && std::abs(x - y) > atol + rtol * std::abs(y)) return false;
  }
  return true;
}

}  // namespace tern
