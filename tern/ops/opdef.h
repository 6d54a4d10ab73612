// OpDef: everything about one op, described once. Every call of every op goes
// through dispatch() (dispatch.h), which uses this description to infer the
// outputs, pick a kernel, and record autograd / tracing / profiling.
#pragma once

#include <cstdint>
#include <vector>

#include "tern/core/tensor.h"

namespace tern {

enum class OpKind : uint16_t {
#define TERN_OP(name, family, onnx) name,
#include "tern/ops/ops.def"
#undef TERN_OP
  kCount
};
inline constexpr int kNumOps = static_cast<int>(OpKind::kCount);
const char* op_name(OpKind kind);
// Finds an op by name; returns false if there is none.
bool op_from_name(const std::string& name, OpKind* kind);

// What an op computes, in the few classes that passes and exporters treat
// alike (fusion takes unary, scalar and binary; the tracer redraws random).
enum class OpFamily : uint8_t {
  creation,   // a tensor from attributes alone (full, arange)
  random,     // draws from a generator (rand, randn, dropout)
  copy,       // the same values in new storage or another dtype
  unary,      // element-wise, y[i] = f(x[i]), float in and out
  scalar,     // element-wise with a scalar attribute, y[i] = f(x[i], floats[0])
  binary,     // element-wise over two broadcast inputs of one dtype, same dtype out
  compare,    // element-wise over two broadcast inputs, bool out
  select,     // where
  reduction,
  movement,   // reshape, permute, expand, slice, pad, cat
  indexing,   // by an index tensor (gather, scatter, embedding)
  linalg,
  conv,
  pool,
  norm,       // normalisation over some dims (batch / layer norm, softmax)
  loss,
  backward,   // exists for another op's gradient function
};

// The per-op traits written in ops.def.
struct OpTraits {
  OpFamily family;
  const char* onnx;  // the ONNX op (opset 13) the op exports as; "" if a composite or impossible
};
inline constexpr OpTraits kOpTraits[] = {
#define TERN_OP(name, family, onnx) {OpFamily::family, onnx},
#include "tern/ops/ops.def"
#undef TERN_OP
};
static_assert(sizeof(kOpTraits) / sizeof(kOpTraits[0]) == kNumOps, "ops.def and the traits table disagree");
constexpr const OpTraits& op_traits(OpKind kind) { return kOpTraits[static_cast<int>(kind)]; }

inline constexpr int kMaxInputs = 8;
inline constexpr int kMaxOutputs = 4;

// Non-tensor arguments of an op call. Each op documents (ops.h) what its
// ints/floats mean; keeping them generic lets the graph IR store, hash and
// print any op's attributes.
struct Attrs {
  std::vector<int64_t> ints;
  std::vector<double> floats;
  DType dtype = DType::f32;

  // Checked: a hand-built call (dispatch, graph IR) with too few attributes
  // is an error, not an out-of-bounds read.
  int64_t i(size_t k) const {
    TERN_CHECK_INDEX(k < ints.size(), "op attribute ints[", k, "] missing (", ints.size(), " given)");
    return ints[k];
  }
  double f(size_t k) const {
    TERN_CHECK_INDEX(k < floats.size(), "op attribute floats[", k, "] missing (", floats.size(), " given)");
    return floats[k];
  }
  // ints[first, first + n) as a shape (e.g. the input shape a gradient op carries).
  Shape shape_at(size_t first, size_t n) const {
    TERN_CHECK_INDEX(first + n <= ints.size(), "op attributes: expected ", first + n, " ints, got ", ints.size());
    return Shape(ints.begin() + first, ints.begin() + first + n);
  }
  bool operator==(const Attrs&) const = default;
};

struct TensorMeta {
  Shape shape;
  DType dtype = DType::f32;
};

struct KernelArgs {
  const Tensor* in;
  int nin;
  Tensor* out;
  int nout;
  const Attrs& attrs;
};
using KernelFn = void (*)(KernelArgs&);
using SupportsFn = bool (*)(const KernelArgs&);

struct Kernel {
  const char* name;
  int priority;         // higher is tried first
  SupportsFn supports;  // nullptr: supports everything
  KernelFn fn;
};

// Returns the number of outputs and fills their metadata; throws on bad input.
using InferFn = int (*)(const Tensor* in, int nin, const Attrs& attrs, TensorMeta* out);

// Arguments of a gradient function. in/out hold the inputs/outputs saved at
// forward time (only those the OpDef asked to save; others are undefined).
// gout[k] is the gradient w.r.t. output k (undefined: zero). The function
// sets gin[i] for each input i with needs[i], using public ops.
struct GradArgs {
  const Tensor* in;
  const TensorMeta* in_meta;  // shape and dtype of every input (always kept)
  int nin;
  const Tensor* out;
  int nout;
  const Tensor* gout;
  const Attrs& attrs;
  const bool* needs;
  Tensor* gin;
};
using GradFn = void (*)(GradArgs&);

struct OpDef {
  OpKind kind = OpKind::kCount;
  const char* name = "";
  InferFn infer = nullptr;
  GradFn grad = nullptr;          // nullptr: not differentiable
  uint32_t save_inputs = 0;       // bit i: save input i for backward
  uint32_t save_outputs = 0;      // bit k: save output k for backward
  bool makes_own_outputs = false; // views: the kernel creates the outputs
  bool mutates_inputs = false;    // e.g. batch norm's running statistics
  std::vector<Kernel> kernels[kNumDeviceTypes];  // sorted by priority
};

// The registry. Ops and their reference kernels are registered explicitly at
// first use (register_all_ops in registry.cc) - no static-initialiser order
// games; the kernel providers' kernels follow (kernel_provider.h).
const OpDef& op_def(OpKind kind);
OpDef& mutable_op_def(OpKind kind);
void register_kernel(OpKind kind, DeviceType device, Kernel kernel);

}  // namespace tern
