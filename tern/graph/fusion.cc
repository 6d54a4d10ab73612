#include "tern/graph/fusion.h"

#include <algorithm>

#include "tern/base/parallel.h"
#include "tern/ops/scalar_fns.h"

namespace tern::graph {

namespace {

constexpr int64_t kChunk = 256;

// The number of tensor inputs of a fusable op (its family in ops.def), else 0.
size_t fused_arity(OpKind k) {
  switch (op_traits(k).family) {
    case OpFamily::unary: case OpFamily::scalar: return 1;
    case OpFamily::binary: return 2;
    default: return 0;
  }
}

}  // namespace

bool fusable_kind(OpKind kind) { return fused_arity(kind) > 0; }

namespace {

// A linear small enough to evaluate element by element inside a run.
bool small_linear(const Node& n, const std::vector<TensorMeta>& meta, int64_t* numel) {
  if (n.kind != OpKind::linear || n.inputs.size() < 2 || n.outputs.size() != 1) return false;
  for (int v : n.inputs)
    if (v < 0 || meta[static_cast<size_t>(v)].dtype != DType::f32) return false;
  const Shape& w = meta[static_cast<size_t>(n.inputs[1])].shape;
  if (w.size() != 2 || w[1] > kFusedLinearMaxIn || w[1] == 0) return false;
  *numel = numel_of(meta[static_cast<size_t>(n.outputs[0])].shape);
  return true;
}

bool fusable(const Node& n, const std::vector<TensorMeta>& meta, int64_t* numel) {
  if (n.kind == OpKind::linear) return small_linear(n, meta, numel);
  const size_t arity = fused_arity(n.kind);
  if (arity == 0 || n.inputs.size() != arity || n.outputs.size() != 1) return false;
  const TensorMeta& out = meta[static_cast<size_t>(n.outputs[0])];
  if (out.dtype != DType::f32) return false;
  *numel = numel_of(out.shape);
  for (int v : n.inputs) {
    if (v < 0) return false;
    const TensorMeta& m = meta[static_cast<size_t>(v)];
    // Equal element counts mean no dim was broadcast: the same linear index.
    if (m.dtype != DType::f32 || (numel_of(m.shape) != *numel && numel_of(m.shape) != 1)) return false;
  }
  return true;
}

template <typename F>
void map1(float* out, const float* x, int64_t n, F f) {
  for (int64_t j = 0; j < n; ++j) out[j] = f(x[j]);
}
template <typename F>
void map2(float* out, const float* x, const float* y, int64_t n, F f) {
  for (int64_t j = 0; j < n; ++j) out[j] = f(x[j], y[j]);
}

}  // namespace

std::vector<FusedGroup> find_fused_groups(const Graph& g, const std::vector<TensorMeta>& meta) {
  const auto& nodes = g.nodes();
  std::vector<bool> is_output(g.values().size(), false);
  for (int v : g.outputs()) is_output[static_cast<size_t>(v)] = true;
  std::vector<FusedGroup> groups;
  size_t p = 0;
  while (p < nodes.size()) {
    int64_t numel = 0, n2 = 0;
    if (!fusable(nodes[p], meta, &numel)) {
      ++p;
      continue;
    }
    // A linear reads whole operands: none may be made earlier in the run.
    std::vector<bool> in_run(g.values().size(), false);
    const auto fits = [&](size_t r) {
      if (nodes[r].kind != OpKind::linear) return true;
      for (int v : nodes[r].inputs)
        if (in_run[static_cast<size_t>(v)]) return false;
      return true;
    };
    size_t q = p;
    while (q < nodes.size() && fusable(nodes[q], meta, &n2) && n2 == numel && fits(q)) {
      in_run[static_cast<size_t>(nodes[q].outputs[0])] = true;
      ++q;
    }
    if (q - p >= 2) {
      FusedGroup fg;
      fg.first = p;
      fg.last = q - 1;
      fg.numel = numel;
      std::vector<int> step_of(g.values().size(), -1);
      for (size_t r = p; r < q; ++r) {
        const Node& n = nodes[r];
        FusedStep st;
        st.kind = n.kind;
        st.value = n.outputs[0];
        if (!n.attrs.floats.empty()) st.s = n.attrs.floats[0];
        const bool linear = n.kind == OpKind::linear;
        if (linear) {
          st.out = meta[static_cast<size_t>(n.inputs[1])].shape[0];
          st.in = meta[static_cast<size_t>(n.inputs[1])].shape[1];
        }
        int* operand[3] = {&st.a, &st.b, &st.c};
        for (size_t i = 0; i < n.inputs.size(); ++i) {
          const int v = n.inputs[i];
          if (step_of[static_cast<size_t>(v)] >= 0) {
            *operand[i] = step_of[static_cast<size_t>(v)];
            continue;
          }
          auto it = std::find(fg.externals.begin(), fg.externals.end(), v);
          if (it == fg.externals.end()) it = fg.externals.insert(fg.externals.end(), v);
          *operand[i] = -static_cast<int>(it - fg.externals.begin()) - 1;
        }
        step_of[static_cast<size_t>(st.value)] = static_cast<int>(fg.steps.size());
        fg.steps.push_back(st);
      }
      // Materialise what is read after the run or returned.
      for (FusedStep& st : fg.steps) {
        st.write = is_output[static_cast<size_t>(st.value)];
        for (size_t r = q; r < nodes.size() && !st.write; ++r)
          for (int v : nodes[r].inputs) st.write = st.write || v == st.value;
      }
      groups.push_back(std::move(fg));
    }
    p = q;
  }
  return groups;
}

namespace {

// Outputs o .. o + M - 1 of one row of a small linear: bias + the dot
// products of the row `xr` with weight rows o .. o + M - 1, k in order.
template <int M>
void small_linear_outputs(const float* xr, const float* w, const float* bias, int64_t in, int64_t o, float* out) {
  float acc[M];
  for (int m = 0; m < M; ++m) acc[m] = bias ? bias[o + m] : 0.0f;
  const float* wr = w + o * in;
  for (int64_t k = 0; k < in; ++k) {
    const float xk = xr[k];
    for (int m = 0; m < M; ++m) acc[m] += xk * wr[m * in + k];
  }
  for (int m = 0; m < M; ++m) out[m] = acc[m];
}

// Elements [begin, end) of the run, chunk by chunk.
void run_range(const FusedGroup& fg, const FusedScratch& io, FusedWork& work, int64_t begin, int64_t end) {
  const size_t ns = fg.steps.size(), ne = fg.externals.size();
  const std::vector<const float*>& ext = io.ext;
  const std::vector<int64_t>& ext_numel = io.ext_numel;
  const std::vector<float*>& dst = io.dst;
  std::vector<float>& scratch = work.chunks;
  scratch.resize(std::max(scratch.size(), (ns + ne) * kChunk));
  std::vector<const float*>& res = work.res;
  std::vector<const float*>& in = work.in;
  res.resize(ns);
  in.resize(ne);
  for (int64_t base = begin; base < end; base += kChunk) {
    const int64_t len = std::min(kChunk, end - base);
    for (size_t e = 0; e < ne; ++e) {
      if (ext_numel[e] == fg.numel) {
        in[e] = ext[e] + base;
        continue;
      }
      if (ext_numel[e] != 1) {  // a linear's operand, read whole through ext
        in[e] = nullptr;
        continue;
      }
      float* row = scratch.data() + (ns + e) * kChunk;  // a single element, broadcast
      std::fill(row, row + len, ext[e][0]);
      in[e] = row;
    }
    for (size_t s = 0; s < ns; ++s) {
      const FusedStep& st = fg.steps[s];
      float* out = st.write ? dst[s] + base : scratch.data() + s * kChunk;
      const float* x = st.a >= 0 ? res[static_cast<size_t>(st.a)] : in[static_cast<size_t>(-st.a - 1)];
      const float* y = st.b >= 0 ? res[static_cast<size_t>(st.b)] : in[static_cast<size_t>(-st.b - 1)];
      const double sc = st.s;
      if (st.kind == OpKind::linear) {
        const float* xs = ext[static_cast<size_t>(-st.a - 1)];
        const float* w = ext[static_cast<size_t>(-st.b - 1)];
        const float* bias = st.c < 0 ? ext[static_cast<size_t>(-st.c - 1)] : nullptr;
        // Output element base + j is (row r, column o), walked without a
        // division per element. Up to four outputs of a row at once: their
        // sums are independent chains the CPU overlaps, each still summed
        // in k order (the same value as one at a time).
        int64_t r = base / st.out, o = base % st.out;
        for (int64_t j = 0; j < len;) {
          const float* xr = xs + r * st.in;
          const int64_t m = std::min(st.out - o, len - j);
          if (m >= 4) small_linear_outputs<4>(xr, w, bias, st.in, o, out + j);
          else if (m >= 2) small_linear_outputs<2>(xr, w, bias, st.in, o, out + j);
          else small_linear_outputs<1>(xr, w, bias, st.in, o, out + j);
          const int64_t done = m >= 4 ? 4 : m >= 2 ? 2 : 1;
          j += done;
          o += done;
          if (o == st.out) {
            o = 0;
            ++r;
          }
        }
        res[s] = out;
        continue;
      }
      if (st.kind == OpKind::pow_scalar && sc == 2) {  // as the reference kernel: x * x
        map1(out, x, len, [](float v) { return ops::scalar::square(v); });
        res[s] = out;
        continue;
      }
      // One case per element-wise row of ops.def: the formula of scalar_fns.h,
      // inlined into the loop over the chunk.
      switch (st.kind) {
#define TERN_OP(name, family, onnx)
#define TERN_UNARY_OP(name, onnx) \
  case OpKind::name: map1(out, x, len, [](float v) { return ops::scalar::name(v); }); break;
#define TERN_SCALAR_OP(name, onnx) \
  case OpKind::name: map1(out, x, len, [sc](float v) { return ops::scalar::name(v, sc); }); break;
#define TERN_BINARY_OP(name, onnx) \
  case OpKind::name: map2(out, x, y, len, [](float u, float v) { return ops::scalar::name(u, v); }); break;
#include "tern/ops/ops.def"
#undef TERN_OP
        default: TERN_ASSERT(false, "run_fused: ", op_name(st.kind), " is not fusable");
      }
      res[s] = out;
    }
  }
}

}  // namespace

void run_fused(const FusedGroup& fg, FusedScratch& io) {
  if (fg.numel <= kFusedParallelGrain || num_threads() == 1 || in_parallel_region()) {
    run_range(fg, io, io.work, 0, fg.numel);
    return;
  }
  // Split at chunk boundaries so every thread's chunks are whole.
  const int64_t chunks = (fg.numel + kChunk - 1) / kChunk;
  parallel_for(chunks, kFusedParallelGrain / kChunk, [&](int64_t c0, int64_t c1) {
    FusedWork work;
    run_range(fg, io, work, c0 * kChunk, std::min(c1 * kChunk, fg.numel));
  });
}

}  // namespace tern::graph
