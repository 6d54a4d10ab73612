// The sum and mean kernels, written once over a row-loop policy
// (row_loops.h): reduce.cc instantiates them with InOrder (the reference
// kernels), tern/ops/cpu/simd_kernels.cc with SimdRows.
#pragma once

#include <algorithm>
#include <vector>

#include "tern/ops/op_helpers.h"
#include "tern/ops/row_loops.h"

namespace tern::ops {

// Attrs of sum/mean/var: ints = dims ++ {keepdim}.
std::vector<int64_t> attr_dims(const Attrs& a, int64_t ndim);
inline bool attr_keepdim(const Attrs& a) { return a.ints.back() != 0; }

// A contiguous copy of t with the reduced dims moved last: rows x cols,
// where each row is one output element.
Tensor reduced_last(const Tensor& t, const std::vector<int64_t>& dims, int64_t* rows, int64_t* cols);
// True when dims are exactly the leading dims 0..k-1 (bias-gradient sums).
bool is_leading(const std::vector<int64_t>& dims);
// True when dims are every dim but one (per-channel sums such as conv bias
// gradients); *kept is that dim.
bool all_but_one(const std::vector<int64_t>& dims, int64_t ndim, int64_t* kept);
// The number of elements each output element sums.
int64_t reduced_count(const Tensor& t, const std::vector<int64_t>& dims);

// dst = scale * (src summed over dims).
template <typename Rows, typename T>
void sum_into(const Tensor& src, const std::vector<int64_t>& dims, T* dst, double scale) {
  int64_t kept = 0;
  if (src.is_contiguous() && src.dim() >= 2 && all_but_one(dims, src.dim(), &kept) && kept < src.dim() - 1) {
    // out[c] = sum over (o, i) of x[o, c, i]: contiguous rows of `inner`.
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < kept; ++d) outer *= src.shape()[d];
    for (int64_t d = kept + 1; d < src.dim(); ++d) inner *= src.shape()[d];
    const int64_t channels = src.shape()[kept];
    const T* s = src.data<T>();
    parallel_for(channels, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        double acc = 0;
        for (int64_t o = 0; o < outer; ++o) {
          const T* row = s + (o * channels + c) * inner;
          acc += Rows::sum(row, inner);
        }
        dst[c] = static_cast<T>(acc * scale);
      }
    });
    return;
  }
  if (src.is_contiguous() && is_leading(dims) && dims.size() < static_cast<size_t>(src.dim())) {
    int64_t lead = 1;
    for (int64_t d : dims) lead *= src.shape()[d];
    const int64_t width = src.numel() / std::max<int64_t>(lead, 1);
    const T* s = src.data<T>();
    parallel_for(width, 1024, [&](int64_t b, int64_t e) {
      for (int64_t j = b; j < e; ++j) dst[j] = 0;
      for (int64_t r = 0; r < lead; ++r) {
        const T* row = s + r * width;
        for (int64_t j = b; j < e; ++j) dst[j] += row[j];
      }
      for (int64_t j = b; j < e; ++j) dst[j] = static_cast<T>(dst[j] * scale);
    });
    return;
  }
  int64_t rows, cols;
  const Tensor r = reduced_last(src, dims, &rows, &cols);
  const T* s = r.data<T>();
  parallel_for(rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double acc = 0;
      const T* row = s + i * cols;
      for (int64_t j = 0; j < cols; ++j) acc += row[j];
      dst[i] = static_cast<T>(acc * scale);
    }
  });
}

template <typename Rows>
void sum_kernel(KernelArgs& k) {
  const auto dims = attr_dims(k.attrs, k.in[0].dim());
  TERN_FLOAT_SWITCH(k.in[0].dtype(), "sum", [&] { sum_into<Rows, T>(k.in[0], dims, k.out[0].data<T>(), 1.0); });
}

template <typename Rows>
void mean_kernel(KernelArgs& k) {
  const auto dims = attr_dims(k.attrs, k.in[0].dim());
  const double scale = 1.0 / static_cast<double>(std::max<int64_t>(reduced_count(k.in[0], dims), 1));
  TERN_FLOAT_SWITCH(k.in[0].dtype(), "mean", [&] { sum_into<Rows, T>(k.in[0], dims, k.out[0].data<T>(), scale); });
}

}  // namespace tern::ops
