#include "tern/core/tensor.h"

#include <atomic>
#include <cmath>
#include <sstream>

namespace tern {

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  for (int64_t d : shape) TERN_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(numel_of(shape) * itemsize(dtype), device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::scalar(double value, DType dtype) {
  Tensor t = empty({}, dtype);
  switch (dtype) {
    case DType::f32: *t.data<float>() = static_cast<float>(value); break;
    case DType::f64: *t.data<double>() = value; break;
    case DType::i32: *t.data<int32_t>() = static_cast<int32_t>(value); break;
    case DType::i64: *t.data<int64_t>() = static_cast<int64_t>(value); break;
    case DType::u8: *t.data<uint8_t>() = static_cast<uint8_t>(value); break;
    case DType::boolean: *t.data<bool>() = value != 0; break;
    case DType::f16: *static_cast<uint16_t*>(t.raw_data()) = float_to_half(static_cast<float>(value)); break;
    case DType::bf16: *static_cast<uint16_t*>(t.raw_data()) = float_to_bfloat(static_cast<float>(value)); break;
  }
  return t;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int i = static_cast<int>(dim()) - 1; i >= 0; --i) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

double Tensor::item_at(int64_t i) const {
  TERN_CHECK_INDEX(i >= 0 && i < numel(), "element ", i, " out of range for ", numel(), " elements");
  int64_t off = impl_->offset;
  for (int d = static_cast<int>(dim()) - 1; d >= 0; --d) {
    const int64_t n = impl_->shape[d];
    off += (i % n) * impl_->strides[d];
    i /= n;
  }
  const void* base = impl_->storage->data();
  switch (impl_->dtype) {
    case DType::f32: return static_cast<const float*>(base)[off];
    case DType::f64: return static_cast<const double*>(base)[off];
    case DType::i32: return static_cast<const int32_t*>(base)[off];
    case DType::i64: return static_cast<double>(static_cast<const int64_t*>(base)[off]);
    case DType::u8: return static_cast<const uint8_t*>(base)[off];
    case DType::boolean: return static_cast<const bool*>(base)[off];
    case DType::f16: return half_to_float(static_cast<const uint16_t*>(base)[off]);
    case DType::bf16: return bfloat_to_float(static_cast<const uint16_t*>(base)[off]);
  }
  return 0;
}

double Tensor::item() const {
  TERN_CHECK(numel() == 1, "item() needs a tensor with one element, got shape ", shape_str(shape()));
  return item_at(0);
}

AutogradMeta& Tensor::autograd_meta() {
  if (!impl_->autograd) impl_->autograd = std::make_unique<AutogradMeta>();
  return *impl_->autograd;
}

Tensor& Tensor::set_requires_grad(bool on) {
  TERN_CHECK_TYPE(!on || is_floating(dtype()), "only floating-point tensors can require gradients, got ",
                  dtype_name(dtype()));
  TERN_CHECK(is_leaf(), "set_requires_grad: only leaf tensors can be changed (use detach())");
  autograd_meta().requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  if (!impl_->autograd || !impl_->autograd->grad) return Tensor();
  return Tensor(impl_->autograd->grad);
}

void Tensor::set_grad(const Tensor& g) { autograd_meta().grad = g.impl_ptr(); }

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<autograd::Node> none;
  return impl_->autograd ? impl_->autograd->grad_fn : none;
}

uint64_t Tensor::register_grad_hook(GradHook hook) {
  TERN_CHECK(is_leaf() && requires_grad(), "gradient hooks can only be registered on leaf tensors that require grad");
  static std::atomic<uint64_t> next_handle{1};
  const uint64_t handle = next_handle.fetch_add(1, std::memory_order_relaxed);
  autograd_meta().hooks.emplace_back(handle, std::move(hook));
  return handle;
}

void Tensor::remove_grad_hook(uint64_t handle) {
  if (AutogradMeta* meta = autograd_meta_if())
    std::erase_if(meta->hooks, [handle](const auto& h) { return h.first == handle; });
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, const Shape& shape, const Dims& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

std::string Tensor::to_string(int64_t max_elements) const {
  if (!defined()) return "Tensor(undefined)";
  std::ostringstream os;
  os << "Tensor(" << dtype_name(dtype()) << shape_str(shape()) << " [";
  const int64_t n = std::min(numel(), max_elements);
  for (int64_t i = 0; i < n; ++i) os << (i ? ", " : "") << item_at(i);
  if (numel() > n) os << ", ...";
  os << "])";
  return os.str();
}

}  // namespace tern
