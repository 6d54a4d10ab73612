// Tensor: a cheap value handle (one shared_ptr) onto a TensorImpl, which is a
// strided view of a Storage. Copying a Tensor shares data; ops make new ones.
// The autograd fields live in AutogradMeta, allocated only for tensors that
// take part in differentiation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tern/core/dtype.h"
#include "tern/core/shape.h"
#include "tern/core/storage.h"

namespace tern {

namespace autograd {
struct Node;  // a tape node: defined by tern/autograd (a higher layer); core only holds pointers
}

class Tensor;
struct TensorImpl;

// Called with a leaf's accumulated gradient once backward has finished
// producing it (distributed trainers start all-reducing from here).
using GradHook = std::function<void(const Tensor& grad)>;

struct AutogradMeta {
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;        // accumulated gradient of a leaf
  std::shared_ptr<autograd::Node> grad_fn;  // the op that produced a non-leaf
  int output_nr = 0;                        // which output of grad_fn this is
  std::weak_ptr<autograd::Node> accumulator;  // a leaf's AccumulateGrad node
  std::vector<std::pair<uint64_t, GradHook>> hooks;  // (handle, hook), in registration order
};

struct TensorImpl {
  StoragePtr storage;
  Shape shape;
  Dims strides;
  int64_t offset = 0;  // in elements
  DType dtype = DType::f32;
  std::unique_ptr<AutogradMeta> autograd;
  std::string name;  // optional, for debugging and graph printing
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new contiguous, uninitialised tensor.
  static Tensor empty(const Shape& shape, DType dtype = DType::f32, Device device = {});
  // A contiguous tensor holding a copy of `values` with the given shape.
  template <typename T>
  static Tensor from_vector(const std::vector<T>& values, const Shape& shape);
  // A 0-dim tensor.
  static Tensor scalar(double value, DType dtype = DType::f32);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  const Dims& strides() const { return impl_->strides; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t d) const { return impl_->shape[wrap_dim(d, dim())]; }
  int64_t numel() const { return numel_of(impl_->shape); }
  int64_t offset() const { return impl_->offset; }
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * itemsize(dtype()); }
  bool is_contiguous() const;
  const StoragePtr& storage() const { return impl_->storage; }

  // Raw element pointer (offset applied). Checks the dtype matches T.
  template <typename T>
  T* data() const;
  void* raw_data() const {
    return static_cast<char*>(impl_->storage->data()) + impl_->offset * itemsize(impl_->dtype);
  }

  // Reads element `i` of the flattened (logical, row-major) tensor as double.
  double item_at(int64_t i) const;
  double item() const;
  // Copies all elements, converted to T, in logical row-major order.
  template <typename T>
  std::vector<T> to_vector() const;

  // --- autograd ----------------------------------------------------------
  // The data autograd keeps per tensor. Gradients are computed by
  // autograd::backward / autograd::grad (tern/autograd/engine.h).
  bool requires_grad() const { return impl_->autograd && impl_->autograd->requires_grad; }
  Tensor& set_requires_grad(bool on = true);
  bool is_leaf() const { return !impl_->autograd || !impl_->autograd->grad_fn; }
  Tensor grad() const;
  void set_grad(const Tensor& g);
  void zero_grad() { if (impl_->autograd) impl_->autograd->grad.reset(); }
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  // Registers a hook called with this leaf's gradient when backward produced
  // it; the handle returned removes it again (an object whose hooks capture
  // `this` must remove them before it dies).
  uint64_t register_grad_hook(GradHook hook);
  void remove_grad_hook(uint64_t handle);  // an unknown handle is ignored
  // A tensor sharing data with this one but outside the autograd graph.
  Tensor detach() const;

  AutogradMeta& autograd_meta();  // creates it on first use
  AutogradMeta* autograd_meta_if() const { return impl_->autograd.get(); }

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }

  std::string to_string(int64_t max_elements = 32) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// A view onto `base`'s storage with a new shape, strides and offset.
Tensor make_view(const Tensor& base, const Shape& shape, const Dims& strides, int64_t offset);

// --- templates ------------------------------------------------------------

template <typename T>
T* Tensor::data() const {
  TERN_CHECK_TYPE(impl_ && dtype_of<T>::value == impl_->dtype, "tensor has dtype ",
                  impl_ ? dtype_name(impl_->dtype) : "undefined", ", data<",
                  dtype_name(dtype_of<T>::value), ">() asked for another");
  return static_cast<T*>(raw_data());
}

template <typename T>
Tensor Tensor::from_vector(const std::vector<T>& values, const Shape& shape) {
  TERN_CHECK(static_cast<int64_t>(values.size()) == numel_of(shape), "from_vector: ",
             values.size(), " values do not fill shape ", shape_str(shape));
  Tensor t = empty(shape, dtype_of<T>::value);
  T* dst = t.data<T>();
  for (size_t i = 0; i < values.size(); ++i) dst[i] = values[i];
  return t;
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  std::vector<T> out(static_cast<size_t>(numel()));
  for (int64_t i = 0; i < numel(); ++i) out[i] = static_cast<T>(item_at(i));
  return out;
}

}  // namespace tern
