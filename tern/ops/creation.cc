// Creation ops (full, arange, rand, randn) and copies (contiguous, cast).
#include <cstring>

#include "tern/ops/op_helpers.h"

namespace tern {
namespace ops {
namespace {

// --- strided copy ---------------------------------------------------------

template <typename Word>
void strided_copy(const Tensor& src, Tensor& dst) {
  const int64_t nd = src.dim();
  const Word* s = static_cast<const Word*>(src.storage()->data()) + src.offset();
  Word* d = static_cast<Word*>(dst.raw_data());
  if (nd == 0) {
    *d = *s;
    return;
  }
  const int64_t inner = src.shape()[nd - 1], inner_stride = src.strides()[nd - 1];
  const int64_t outer = inner == 0 ? 0 : src.numel() / inner;
  parallel_for(outer, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      int64_t off = 0, rem = row;
      for (int64_t k = nd - 2; k >= 0; --k) {
        off += (rem % src.shape()[k]) * src.strides()[k];
        rem /= src.shape()[k];
      }
      const Word* sp = s + off;
      Word* dp = d + row * inner;
      if (inner_stride == 1) std::memcpy(dp, sp, inner * sizeof(Word));
      else for (int64_t i = 0; i < inner; ++i) dp[i] = sp[i * inner_stride];
    }
  });
}

void copy_into(const Tensor& src, Tensor& dst) {
  switch (itemsize(src.dtype())) {
    case 1: strided_copy<uint8_t>(src, dst); break;
    case 2: strided_copy<uint16_t>(src, dst); break;
    case 4: strided_copy<uint32_t>(src, dst); break;
    case 8: strided_copy<uint64_t>(src, dst); break;
  }
}

// --- full -----------------------------------------------------------------

int infer_full(const Tensor*, int, const Attrs& a, TensorMeta* out) {
  out[0] = {Shape(a.ints), a.dtype};
  return 1;
}

template <typename T>
void fill(Tensor& t, T v) {
  T* p = static_cast<T*>(t.raw_data());
  const int64_t n = t.numel();
  parallel_elementwise(n, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
}

void full_ref(KernelArgs& k) {
  Tensor& out = k.out[0];
  const double v = k.attrs.f(0);
  switch (out.dtype()) {
    case DType::f16: fill<uint16_t>(out, float_to_half(static_cast<float>(v))); break;
    case DType::bf16: fill<uint16_t>(out, float_to_bfloat(static_cast<float>(v))); break;
    default: TERN_NUMERIC_SWITCH(out.dtype(), "full", [&] { fill<T>(out, static_cast<T>(v)); });
  }
}

// --- arange ---------------------------------------------------------------

int infer_arange(const Tensor*, int, const Attrs& a, TensorMeta* out) {
  const double start = a.f(0), end = a.f(1), step = a.f(2);
  TERN_CHECK(step != 0, "arange: step must be non-zero");
  const int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((end - start) / step)));
  out[0] = {Shape{n}, a.dtype};
  return 1;
}

void arange_ref(KernelArgs& k) {
  const double start = k.attrs.f(0), step = k.attrs.f(2);
  TERN_NUMERIC_SWITCH(k.out[0].dtype(), "arange", [&] {
    T* p = k.out[0].data<T>();
    for (int64_t i = 0; i < k.out[0].numel(); ++i) p[i] = static_cast<T>(start + step * static_cast<double>(i));
  });
}

// --- rand / randn: ints = shape ++ {seed, offset} -------------------------

int infer_random(const Tensor*, int, const Attrs& a, TensorMeta* out) {
  TERN_CHECK(a.ints.size() >= 2, "rand: attrs need shape, seed and offset");
  out[0] = {Shape(std::vector<int64_t>(a.ints.begin(), a.ints.end() - 2)), a.dtype};
  return 1;
}

template <bool kNormal>
void random_ref(KernelArgs& k) {
  const uint64_t seed = static_cast<uint64_t>(k.attrs.ints[k.attrs.ints.size() - 2]);
  const uint64_t offset = static_cast<uint64_t>(k.attrs.ints.back());
  TERN_FLOAT_SWITCH(k.out[0].dtype(), "rand", [&] {
    T* p = k.out[0].data<T>();
    parallel_elementwise(k.out[0].numel(), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        p[i] = static_cast<T>(kNormal ? Philox::normal(seed, offset + i) : Philox::uniform(seed, offset + i));
    });
  });
}

// --- contiguous / cast ----------------------------------------------------

int infer_same(const Tensor* in, int, const Attrs&, TensorMeta* out) {
  out[0] = {in[0].shape(), in[0].dtype()};
  return 1;
}

void contiguous_ref(KernelArgs& k) { copy_into(k.in[0], k.out[0]); }

void grad_identity(GradArgs& g) { g.gin[0] = g.gout[0]; }

int infer_cast(const Tensor* in, int, const Attrs& a, TensorMeta* out) {
  out[0] = {in[0].shape(), a.dtype};
  return 1;
}

double load_as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::f16: return half_to_float(static_cast<const uint16_t*>(t.raw_data())[i]);
    case DType::bf16: return bfloat_to_float(static_cast<const uint16_t*>(t.raw_data())[i]);
    default: return TERN_NUMERIC_SWITCH(t.dtype(), "cast", [&] { return static_cast<double>(static_cast<const T*>(t.raw_data())[i]); });
  }
}

void cast_ref(KernelArgs& k) {
  const Tensor src = as_contiguous(k.in[0]);
  Tensor& dst = k.out[0];
  const int64_t n = src.numel();
  if (src.dtype() == DType::f32 && dst.dtype() == DType::f64) {
    const float* s = src.data<float>();
    double* d = dst.data<double>();
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
    return;
  }
  if (src.dtype() == DType::u8 && dst.dtype() == DType::f32) {
    const uint8_t* s = src.data<uint8_t>();
    float* d = dst.data<float>();
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
    return;
  }
  switch (dst.dtype()) {
    case DType::f16: {
      uint16_t* d = static_cast<uint16_t*>(dst.raw_data());
      for (int64_t i = 0; i < n; ++i) d[i] = float_to_half(static_cast<float>(load_as_double(src, i)));
      break;
    }
    case DType::bf16: {
      uint16_t* d = static_cast<uint16_t*>(dst.raw_data());
      for (int64_t i = 0; i < n; ++i) d[i] = float_to_bfloat(static_cast<float>(load_as_double(src, i)));
      break;
    }
    default:
      TERN_NUMERIC_SWITCH(dst.dtype(), "cast", [&] {
        T* d = dst.data<T>();
        for (int64_t i = 0; i < n; ++i) d[i] = static_cast<T>(load_as_double(src, i));
      });
  }
}

void grad_cast(GradArgs& g) { g.gin[0] = cast(g.gout[0], g.in[0].dtype()); }

}  // namespace

Tensor contiguous_copy(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_into(t, out);
  return out;
}

void register_creation_ops() {
  define_op(OpKind::full, {.infer = infer_full, .reference = full_ref});
  define_op(OpKind::arange, {.infer = infer_arange, .reference = arange_ref});
  define_op(OpKind::rand, {.infer = infer_random, .reference = random_ref<false>});
  define_op(OpKind::randn, {.infer = infer_random, .reference = random_ref<true>});
  define_op(OpKind::contiguous, {.infer = infer_same, .grad = grad_identity, .reference = contiguous_ref});
  // cast saves its input only for the dtype (the data is not read).
  define_op(OpKind::cast, {.infer = infer_cast, .grad = grad_cast, .save_inputs = 1, .reference = cast_ref});
}

}  // namespace ops

// --- public functions -----------------------------------------------------

Tensor full(const Shape& shape, double value, DType dtype) {
  Attrs a;
  a.ints = shape.vec();
  a.floats = {value};
  a.dtype = dtype;
  return dispatch1(OpKind::full, {}, std::move(a));
}
Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1, dtype); }
Tensor zeros_like(const Tensor& t) { return full(t.shape(), 0, t.dtype()); }
Tensor ones_like(const Tensor& t) { return full(t.shape(), 1, t.dtype()); }

Tensor arange(double start, double end, double step, DType dtype) {
  Attrs a;
  a.floats = {start, end, step};
  a.dtype = dtype;
  return dispatch1(OpKind::arange, {}, std::move(a));
}

static Tensor random_tensor(OpKind kind, const Shape& shape, Generator& gen, DType dtype) {
  Attrs a;
  a.ints = shape.vec();
  const uint64_t n = static_cast<uint64_t>(numel_of(shape));
  a.ints.push_back(static_cast<int64_t>(gen.seed()));
  a.ints.push_back(static_cast<int64_t>(gen.reserve(n)));
  a.dtype = dtype;
  return dispatch1(kind, {}, std::move(a));
}
Tensor rand(const Shape& shape, Generator& gen, DType dtype) { return random_tensor(OpKind::rand, shape, gen, dtype); }
Tensor randn(const Shape& shape, Generator& gen, DType dtype) { return random_tensor(OpKind::randn, shape, gen, dtype); }

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : dispatch1(OpKind::contiguous, {t}); }
Tensor clone(const Tensor& t) { return dispatch1(OpKind::contiguous, {t}); }

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Attrs a;
  a.dtype = dtype;
  return dispatch1(OpKind::cast, {t}, std::move(a));
}

}  // namespace tern
