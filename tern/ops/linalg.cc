// Matrix products. The reference kernel is a plain triple loop (any float
// dtype, any strides); the fast kernel (cpu/blas_kernels.cc) calls GEMM.
#include "tern/ops/op_helpers.h"
#include "tern/ops/linalg_internal.h"

namespace tern {
namespace ops {

MatmulPlan plan_matmul(const Tensor& a, const Tensor& b) {
  TERN_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: operands must have at least 2 dims, got ", shape_str(a.shape()),
             " and ", shape_str(b.shape()));
  TERN_CHECK_TYPE(a.dtype() == b.dtype(), "matmul: dtypes differ (", dtype_name(a.dtype()), " vs ", dtype_name(b.dtype()), ")");
  const int64_t m = a.shape()[a.dim() - 2], k = a.shape()[a.dim() - 1];
  const int64_t k2 = b.shape()[b.dim() - 2], n = b.shape()[b.dim() - 1];
  TERN_CHECK(k == k2, "matmul: inner dimensions differ: ", shape_str(a.shape()), " @ ", shape_str(b.shape()));
  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  MatmulPlan p;
  p.batch = broadcast_shapes(batch_a, batch_b);
  p.m = m;
  p.n = n;
  p.k = k;
  std::vector<int64_t> ea = p.batch.vec(), eb = p.batch.vec();
  ea.push_back(m); ea.push_back(k);
  eb.push_back(k); eb.push_back(n);
  p.a = expand(a.detach(), ea);
  p.b = expand(b.detach(), eb);
  return p;
}

namespace {

int infer_matmul(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  check_float(in[0], "matmul");
  const Shape ba(in[0].shape().begin(), in[0].shape().end() - std::min<int64_t>(2, in[0].dim()));
  TERN_CHECK(in[0].dim() >= 2 && in[1].dim() >= 2, "matmul: operands must have at least 2 dims, got ",
             shape_str(in[0].shape()), " and ", shape_str(in[1].shape()));
  TERN_CHECK(in[0].shape().back() == in[1].shape()[in[1].dim() - 2], "matmul: inner dimensions differ: ",
             shape_str(in[0].shape()), " @ ", shape_str(in[1].shape()));
  TERN_CHECK_TYPE(in[0].dtype() == in[1].dtype(), "matmul: dtypes differ");
  const Shape bb(in[1].shape().begin(), in[1].shape().end() - 2);
  Shape s = broadcast_shapes(ba, bb);
  s.push_back(in[0].shape()[in[0].dim() - 2]);
  s.push_back(in[1].shape().back());
  out[0] = {s, in[0].dtype()};
  return 1;
}

void matmul_ref(KernelArgs& k) {
  const MatmulPlan p = plan_matmul(k.in[0], k.in[1]);
  const int64_t nb = numel_of(p.batch), nd = p.a.dim();
  const int64_t as0 = p.a.strides()[nd - 2], as1 = p.a.strides()[nd - 1];
  const int64_t bs0 = p.b.strides()[nd - 2], bs1 = p.b.strides()[nd - 1];
  TERN_FLOAT_SWITCH(p.a.dtype(), "matmul", [&] {
    const T* A = static_cast<const T*>(p.a.storage()->data());
    const T* B = static_cast<const T*>(p.b.storage()->data());
    T* C = k.out[0].data<T>();
    for (int64_t bi = 0; bi < nb; ++bi) {
      const T* a = A + batch_offset(p.a, p.batch, bi);
      const T* b = B + batch_offset(p.b, p.batch, bi);
      T* c = C + bi * p.m * p.n;
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j) {
          double acc = 0;
          for (int64_t l = 0; l < p.k; ++l) acc += static_cast<double>(a[i * as0 + l * as1]) * b[l * bs0 + j * bs1];
          c[i * p.n + j] = static_cast<T>(acc);
        }
    }
  });
}

void grad_matmul(GradArgs& g) {
  const Tensor& go = g.gout[0];
  if (g.needs[0]) g.gin[0] = matmul(go, transpose(g.in[1], -1, -2));
  if (g.needs[1]) g.gin[1] = matmul(transpose(g.in[0], -1, -2), go);
}

// --- linear(x[..., in], W[out, in], b[out]?) -------------------------------------

int infer_linear(const Tensor* in, int nin, const Attrs&, TensorMeta* out) {
  const Tensor& x = in[0];
  const Tensor& w = in[1];
  check_float(x, "linear");
  TERN_CHECK(w.dim() == 2, "linear: weight must be [out, in], got ", shape_str(w.shape()));
  TERN_CHECK(x.dim() >= 1 && x.shape().back() == w.shape()[1], "linear: input ", shape_str(x.shape()),
             " does not end in ", w.shape()[1], " features (weight ", shape_str(w.shape()), ")");
  TERN_CHECK_TYPE(x.dtype() == w.dtype(), "linear: input and weight dtypes differ");
  if (nin > 2) TERN_CHECK(in[2].dim() == 1 && in[2].shape()[0] == w.shape()[0], "linear: bias must be [", w.shape()[0],
                          "], got ", shape_str(in[2].shape()));
  Shape s = x.shape();
  s[s.size() - 1] = w.shape()[0];
  out[0] = {s, x.dtype()};
  return 1;
}

void linear_ref(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const int64_t in = w.shape()[1], outf = w.shape()[0], rows = x.numel() / std::max<int64_t>(in, 1);
  TERN_FLOAT_SWITCH(x.dtype(), "linear", [&] {
    const T* xp = x.data<T>();
    const T* wp = w.data<T>();
    const T* bp = k.nin > 2 ? as_contiguous(k.in[2]).template data<T>() : nullptr;
    T* y = k.out[0].data<T>();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < outf; ++o) {
        double acc = bp ? bp[o] : 0;
        for (int64_t i = 0; i < in; ++i) acc += static_cast<double>(xp[r * in + i]) * wp[o * in + i];
        y[r * outf + o] = static_cast<T>(acc);
      }
  });
}

void grad_linear(GradArgs& g) {
  const Tensor& go = g.gout[0];
  const int64_t outf = g.in_meta[1].shape[0], in = g.in_meta[1].shape[1];
  const Tensor g2 = reshape(go, {-1, outf});
  if (g.needs[0]) g.gin[0] = reshape(matmul(g2, g.in[1]), g.in_meta[0].shape.vec());
  if (g.needs[1]) g.gin[1] = matmul(transpose(g2, 0, 1), reshape(g.in[0], {-1, in}));
  if (g.nin > 2 && g.needs[2]) g.gin[2] = sum(g2, {0});
}

}  // namespace

void register_linalg_ops() {
  define_op(OpKind::matmul, {.infer = infer_matmul, .grad = grad_matmul, .save_inputs = 3, .reference = matmul_ref});
  define_op(OpKind::linear, {.infer = infer_linear, .grad = grad_linear, .save_inputs = 3, .reference = linear_ref});
}

}  // namespace ops

Tensor matmul(const Tensor& a, const Tensor& b) { return dispatch1(OpKind::matmul, {a, b}); }

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  if (bias.defined()) return dispatch1(OpKind::linear, {x, weight, bias});
  return dispatch1(OpKind::linear, {x, weight});
}

}  // namespace tern
