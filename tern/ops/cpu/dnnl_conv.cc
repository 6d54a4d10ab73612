// oneDNN convolution kernels (f32): forward, backward-data, backward-weights.
// Primitives are created once per shape and cached; our tensors stay NCHW /
// OIHW, and oneDNN's preferred blocked layouts are reached by reorders into
// scratch buffers from our allocator (so they count in the memory figures).
#include <oneapi/dnnl/dnnl.hpp>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include "tern/ops/conv_internal.h"
#include "tern/ops/cpu/cpu_kernels.h"
#include "tern/ops/op_helpers.h"

namespace tern::ops::cpu {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// One scratch-backed tensor in oneDNN's preferred layout, or the user's own
// buffer when the layouts already agree.
struct Staged {
  memory mem;
  Tensor keep_alive;
};

Staged stage_in(const memory::desc& want, const memory::desc& have, void* data, dnnl::stream& s) {
  memory user(have, cpu_engine(), data);
  if (want == have) return {user, Tensor()};
  Tensor buf = Tensor::empty({static_cast<int64_t>(want.get_size() / sizeof(float))});
  memory m(want, cpu_engine(), buf.raw_data());
  dnnl::reorder(user, m).execute(s, user, m);
  return {m, buf};
}

Staged stage_out(const memory::desc& want, const memory::desc& have, void* data) {
  if (want == have) return {memory(have, cpu_engine(), data), Tensor()};
  Tensor buf = Tensor::empty({static_cast<int64_t>(want.get_size() / sizeof(float))});
  return {memory(want, cpu_engine(), buf.raw_data()), buf};
}

void unstage_out(const Staged& st, const memory::desc& have, void* data, dnnl::stream& s) {
  if (!st.keep_alive.defined()) return;
  memory user(have, cpu_engine(), data);
  memory src = st.mem;
  dnnl::reorder(src, user).execute(s, src, user);
}

struct ConvDescs {
  memory::desc src, wei, bias, dst, src_any, wei_any, dst_any, bias_any;
  memory::dims strides, dilates, pad_l, pad_r;
};

ConvDescs conv_descs(const ConvGeom& g) {
  ConvDescs d;
  const memory::dims src{g.n, g.c, g.h, g.w}, dst{g.n, g.oc, g.oh, g.ow};
  const memory::dims wei = g.groups == 1 ? memory::dims{g.oc, g.c, g.kh, g.kw}
                                         : memory::dims{g.groups, g.oc / g.groups, g.c / g.groups, g.kh, g.kw};
  d.src = memory::desc(src, dt::f32, tag::nchw);
  d.dst = memory::desc(dst, dt::f32, tag::nchw);
  d.wei = memory::desc(wei, dt::f32, g.groups == 1 ? tag::oihw : tag::goihw);
  d.bias = memory::desc({g.oc}, dt::f32, tag::x);
  // A first layer (1-3 input channels): a blocked layout would pad the input
  // to 8 or 16 channels, so its reorder would cost more memory than the
  // layer's own activations; stay in plain NCHW there.
  const bool plain = g.c / g.groups < 4;
  d.src_any = plain ? d.src : memory::desc(src, dt::f32, tag::any);
  d.dst_any = plain ? d.dst : memory::desc(dst, dt::f32, tag::any);
  d.wei_any = plain ? d.wei : memory::desc(wei, dt::f32, tag::any);
  d.bias_any = memory::desc({g.oc}, dt::f32, tag::any);
  d.strides = {g.sh, g.sw};
  d.dilates = {g.dh - 1, g.dw - 1};
  d.pad_l = {g.ph, g.pw};
  // oneDNN wants the right padding that makes the output size come out exactly.
  d.pad_r = {(g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.h - g.ph, (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.w - g.pw};
  return d;
}

using Key = std::tuple<int, std::vector<int64_t>>;

Key make_key(int which, const ConvGeom& g, bool bias) {
  return {which, {g.n, g.c, g.h, g.w, g.oc, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, bias}};
}

struct FwdPlan {
  ConvDescs d;
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward prim;
};
struct BwdDataPlan {
  ConvDescs d;
  dnnl::convolution_backward_data::primitive_desc pd;
  dnnl::convolution_backward_data prim;
};
struct BwdWeightsPlan {
  ConvDescs d;
  dnnl::convolution_backward_weights::primitive_desc pd;
  dnnl::convolution_backward_weights prim;
};

dnnl::convolution_forward::primitive_desc fwd_pd(const ConvDescs& d, bool bias) {
  auto desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                     d.src_any, d.wei_any, d.bias_any, d.dst_any, d.strides, d.dilates,
                                                     d.pad_l, d.pad_r)
                   : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                                     d.src_any, d.wei_any, d.dst_any, d.strides, d.dilates, d.pad_l, d.pad_r);
  return dnnl::convolution_forward::primitive_desc(desc, cpu_engine());
}

std::mutex g_cache_mu;
template <typename Plan>
std::map<Key, std::shared_ptr<Plan>>& cache() {
  static std::map<Key, std::shared_ptr<Plan>> c;
  return c;
}

std::shared_ptr<FwdPlan> fwd_plan(const ConvGeom& g, bool bias) {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  auto& c = cache<FwdPlan>();
  const Key key = make_key(0, g, bias);
  auto it = c.find(key);
  if (it != c.end()) return it->second;
  auto p = std::make_shared<FwdPlan>();
  p->d = conv_descs(g);
  p->pd = fwd_pd(p->d, bias);
  p->prim = dnnl::convolution_forward(p->pd);
  return c[key] = p;
}

std::shared_ptr<BwdDataPlan> bwd_data_plan(const ConvGeom& g) {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  auto& c = cache<BwdDataPlan>();
  const Key key = make_key(1, g, false);
  auto it = c.find(key);
  if (it != c.end()) return it->second;
  auto p = std::make_shared<BwdDataPlan>();
  p->d = conv_descs(g);
  const ConvDescs& d = p->d;
  dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.src_any, d.wei_any, d.dst_any,
                                             d.strides, d.dilates, d.pad_l, d.pad_r);
  p->pd = dnnl::convolution_backward_data::primitive_desc(desc, cpu_engine(), fwd_pd(d, false));
  p->prim = dnnl::convolution_backward_data(p->pd);
  return c[key] = p;
}

std::shared_ptr<BwdWeightsPlan> bwd_weights_plan(const ConvGeom& g) {
  std::lock_guard<std::mutex> lock(g_cache_mu);
  auto& c = cache<BwdWeightsPlan>();
  const Key key = make_key(2, g, false);
  auto it = c.find(key);
  if (it != c.end()) return it->second;
  auto p = std::make_shared<BwdWeightsPlan>();
  p->d = conv_descs(g);
  const ConvDescs& d = p->d;
  dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src_any, d.wei_any, d.dst_any,
                                                d.strides, d.dilates, d.pad_l, d.pad_r);
  p->pd = dnnl::convolution_backward_weights::primitive_desc(desc, cpu_engine(), fwd_pd(d, false));
  p->prim = dnnl::convolution_backward_weights(p->pd);
  return c[key] = p;
}

Tensor scratchpad(const memory::desc& md) {
  return Tensor::empty({static_cast<int64_t>((md.get_size() + sizeof(float) - 1) / sizeof(float))});
}

bool supports_f32(const KernelArgs& k) { return k.in[0].dtype() == DType::f32 && k.in[1].dtype() == DType::f32; }

void conv_fwd(KernelArgs& k) {
  const Tensor x = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const ConvGeom g = conv_geom(x.shape(), w.shape(), Conv2dAttrs::from(k.attrs));
  const bool has_bias = k.nin > 2;
  auto plan = fwd_plan(g, has_bias);
  dnnl::stream s(cpu_engine());
  Staged src = stage_in(plan->pd.src_desc(), plan->d.src, x.raw_data(), s);
  Staged wei = stage_in(plan->pd.weights_desc(), plan->d.wei, w.raw_data(), s);
  Staged dst = stage_out(plan->pd.dst_desc(), plan->d.dst, k.out[0].raw_data());
  const Tensor scratch = scratchpad(plan->pd.scratchpad_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.mem}, {DNNL_ARG_WEIGHTS, wei.mem}, {DNNL_ARG_DST, dst.mem},
                                       {DNNL_ARG_SCRATCHPAD, memory(plan->pd.scratchpad_desc(), cpu_engine(), scratch.raw_data())}};
  Tensor b;
  if (has_bias) {
    b = as_contiguous(k.in[2]);
    args[DNNL_ARG_BIAS] = memory(plan->pd.bias_desc(), cpu_engine(), b.raw_data());
  }
  plan->prim.execute(s, args);
  unstage_out(dst, plan->d.dst, k.out[0].raw_data(), s);
  s.wait();
}

void conv_bwd_data(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), w = as_contiguous(k.in[1]);
  const Conv2dGradAttrs a = Conv2dGradAttrs::from(k.attrs);  // a.shape: the input's
  const ConvGeom g = conv_geom(a.shape, w.shape(), a.conv);
  auto plan = bwd_data_plan(g);
  dnnl::stream s(cpu_engine());
  Staged dd = stage_in(plan->pd.diff_dst_desc(), plan->d.dst, go.raw_data(), s);
  Staged wei = stage_in(plan->pd.weights_desc(), plan->d.wei, w.raw_data(), s);
  Staged ds = stage_out(plan->pd.diff_src_desc(), plan->d.src, k.out[0].raw_data());
  const Tensor scratch = scratchpad(plan->pd.scratchpad_desc());
  plan->prim.execute(s, {{DNNL_ARG_DIFF_DST, dd.mem}, {DNNL_ARG_WEIGHTS, wei.mem}, {DNNL_ARG_DIFF_SRC, ds.mem},
                         {DNNL_ARG_SCRATCHPAD, memory(plan->pd.scratchpad_desc(), cpu_engine(), scratch.raw_data())}});
  unstage_out(ds, plan->d.src, k.out[0].raw_data(), s);
  s.wait();
}

void conv_bwd_weights(KernelArgs& k) {
  const Tensor go = as_contiguous(k.in[0]), x = as_contiguous(k.in[1]);
  const Conv2dGradAttrs a = Conv2dGradAttrs::from(k.attrs);  // a.shape: the weight's
  const ConvGeom g = conv_geom(x.shape(), a.shape, a.conv);
  auto plan = bwd_weights_plan(g);
  dnnl::stream s(cpu_engine());
  Staged dd = stage_in(plan->pd.diff_dst_desc(), plan->d.dst, go.raw_data(), s);
  Staged src = stage_in(plan->pd.src_desc(), plan->d.src, x.raw_data(), s);
  Staged dw = stage_out(plan->pd.diff_weights_desc(), plan->d.wei, k.out[0].raw_data());
  const Tensor scratch = scratchpad(plan->pd.scratchpad_desc());
  plan->prim.execute(s, {{DNNL_ARG_DIFF_DST, dd.mem}, {DNNL_ARG_SRC, src.mem}, {DNNL_ARG_DIFF_WEIGHTS, dw.mem},
                         {DNNL_ARG_SCRATCHPAD, memory(plan->pd.scratchpad_desc(), cpu_engine(), scratch.raw_data())}});
  unstage_out(dw, plan->d.wei, k.out[0].raw_data(), s);
  s.wait();
}

}  // namespace

void register_dnnl_kernels() {
  // oneDNN reads this lazily, at its first primitive: without it every
  // primitive execution pays for VTune task annotations (~2% of a LeNet step).
  setenv("DNNL_ITT_TASK_LEVEL", "0", /*overwrite=*/0);
  dnnl::set_primitive_cache_capacity(1024);
  register_kernel(OpKind::conv2d, DeviceType::cpu, {"onednn", 20, supports_f32, conv_fwd});
  register_kernel(OpKind::conv2d_grad_input, DeviceType::cpu, {"onednn", 20, supports_f32, conv_bwd_data});
  register_kernel(OpKind::conv2d_grad_weight, DeviceType::cpu, {"onednn", 20, supports_f32, conv_bwd_weights});
}

}  // namespace tern::ops::cpu
