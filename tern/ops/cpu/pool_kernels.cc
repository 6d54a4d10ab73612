// f32 2x2 max pooling with stride 2 and no padding (LeNet, VGG): no bounds
// checks, two rows at a time. Same result as the reference in pool.cc,
// including which of tied maxima is taken.
#include "tern/ops/cpu/cpu_kernels.h"
#include "tern/ops/pool_internal.h"

namespace tern::ops::cpu {
namespace {

bool is_k2s2(const KernelArgs& k) {
  const Pool2dAttrs a = Pool2dAttrs::from(k.attrs);
  return k.in[0].dtype() == DType::f32 && a.kernel_h == 2 && a.kernel_w == 2 && a.stride_h == 2 && a.stride_w == 2 &&
         a.pad_h == 0 && a.pad_w == 0;
}

void max_pool_k2s2(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]);
  const PoolGeom g = pool_geom(x.shape(), Pool2dAttrs::from(k.attrs), "max_pool2d");
  const float* xp = x.data<float>();
  float* y = k.out[0].data<float>();
  int32_t* idx = k.out[1].data<int32_t>();
  parallel_for(g.n * g.c, 8, [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const float* src = xp + nc * g.h * g.w;
      float* dst = y + nc * g.oh * g.ow;
      int32_t* di = idx + nc * g.oh * g.ow;
      for (int64_t oy = 0; oy < g.oh; ++oy) {
        const float* r0 = src + 2 * oy * g.w;
        const float* r1 = r0 + g.w;
        const int64_t i0 = 2 * oy * g.w;
        float* d = dst + oy * g.ow;
        int32_t* ix = di + oy * g.ow;
        // Two branch-free passes the compiler can vectorise: the maxima, then
        // where each maximum sits - the first in row-major order, as in the
        // reference. (A single pass mixing float selects and int64 selects
        // stays scalar.)
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const float a = r0[2 * ox], b = r0[2 * ox + 1], c = r1[2 * ox], e = r1[2 * ox + 1];
          const float top = b > a ? b : a, bottom = e > c ? e : c;
          d[ox] = bottom > top ? bottom : top;
        }
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          const float m = d[ox];
          const int64_t ea = r0[2 * ox] == m, eb = r0[2 * ox + 1] == m, ec = r1[2 * ox] == m;
          // offset: a -> 0, b -> 1, c -> w, d -> w + 1
          ix[ox] = static_cast<int32_t>(i0 + 2 * ox + (1 - ea) * (eb + (1 - eb) * (g.w + 1 - ec)));
        }
      }
    }
  });
}

}  // namespace

void register_pool_kernels() {
  register_kernel(OpKind::max_pool2d, DeviceType::cpu, {"k2s2", 10, is_k2s2, max_pool_k2s2});
}

}  // namespace tern::ops::cpu
