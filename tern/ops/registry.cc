#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>

#include "tern/ops/kernel_provider.h"
#include "tern/ops/op_helpers.h"

namespace tern {

namespace {

struct Provider {
  const char* name;
  void (*register_fn)();
};
// Function-local, so a provider's static registrar may run before or after
// this file's statics are initialised.
struct Providers {
  std::mutex mu;
  std::vector<Provider> list;
  bool registry_built = false;  // later providers register at once
};
Providers& providers() {
  static Providers p;
  return p;
}

constexpr const char* kOpNames[] = {
#define TERN_OP(name, family, onnx) #name,
#include "tern/ops/ops.def"
#undef TERN_OP
};
static_assert(sizeof(kOpNames) / sizeof(kOpNames[0]) == kNumOps, "ops.def and the name table disagree");

OpDef g_ops[kNumOps];

void register_all_ops() {
  using namespace ops;
  for (int k = 0; k < kNumOps; ++k) {
    g_ops[k].kind = static_cast<OpKind>(k);
    g_ops[k].name = kOpNames[k];
  }
  register_creation_ops();
  register_elementwise_ops();
  register_reduce_ops();
  register_movement_ops();
  register_indexing_ops();
  register_linalg_ops();
  register_conv_ops();
  register_pool_ops();
  register_norm_ops();
  register_loss_ops();
  {
    Providers& p = providers();
    std::lock_guard<std::mutex> lock(p.mu);
    for (const Provider& provider : p.list) provider.register_fn();
    p.registry_built = true;
  }
  for (int k = 0; k < kNumOps; ++k)
    TERN_ASSERT(!g_ops[k].kernels[0].empty(), "op ", kOpNames[k], " has no CPU kernel");
}

struct Registrar {
  Registrar() { register_all_ops(); }
};

}  // namespace

const char* op_name(OpKind kind) { return kOpNames[static_cast<int>(kind)]; }

bool op_from_name(const std::string& name, OpKind* kind) {
  for (int k = 0; k < kNumOps; ++k)
    if (name == kOpNames[k]) {
      *kind = static_cast<OpKind>(k);
      return true;
    }
  return false;
}

const OpDef& op_def(OpKind kind) {
  static Registrar once;  // thread-safe one-time registration
  return g_ops[static_cast<int>(kind)];
}

OpDef& mutable_op_def(OpKind kind) { return g_ops[static_cast<int>(kind)]; }

void add_kernel_provider(const char* name, void (*register_fn)()) {
  Providers& p = providers();
  std::lock_guard<std::mutex> lock(p.mu);
  for (const Provider& provider : p.list)
    if (std::strcmp(provider.name, name) == 0) return;
  p.list.push_back({name, register_fn});
  if (p.registry_built) register_fn();
}

std::vector<std::string> kernel_providers() {
  Providers& p = providers();
  std::lock_guard<std::mutex> lock(p.mu);
  std::vector<std::string> names;
  for (const Provider& provider : p.list) names.emplace_back(provider.name);
  names.emplace_back("reference");
  return names;
}

std::string kernel_providers_text() {
  std::string text;
  for (const std::string& name : kernel_providers()) text += (text.empty() ? "" : ", ") + name;
  return text;
}

void register_kernel(OpKind kind, DeviceType device, Kernel kernel) {
  auto& list = mutable_op_def(kind).kernels[static_cast<int>(device)];
  list.push_back(kernel);
  std::stable_sort(list.begin(), list.end(), [](const Kernel& a, const Kernel& b) { return a.priority > b.priority; });
}

namespace ops {

void define_op(OpKind kind, const OpSpec& spec) {
  OpDef& def = mutable_op_def(kind);
  def.infer = spec.infer;
  def.grad = spec.grad;
  def.save_inputs = spec.save_inputs;
  def.save_outputs = spec.save_outputs;
  def.makes_own_outputs = spec.makes_own_outputs;
  def.mutates_inputs = spec.mutates_inputs;
  register_kernel(kind, DeviceType::cpu, {"reference", 0, spec.reference_supports, spec.reference});
}

std::vector<int64_t> normalise_dims(const std::vector<int64_t>& dims, int64_t ndim) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) out.push_back(wrap_dim(d, ndim));
  std::sort(out.begin(), out.end());
  TERN_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), "a dimension is repeated in the reduction dims");
  return out;
}

Shape reduced_shape(const Shape& in, const std::vector<int64_t>& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < static_cast<int64_t>(in.size()); ++d) {
    const bool reduced = std::find(dims.begin(), dims.end(), d) != dims.end();
    if (!reduced) out.push_back(in[d]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

}  // namespace ops
}  // namespace tern
