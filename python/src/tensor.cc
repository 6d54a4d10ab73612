// tern.Tensor and DType, and the NumPy bridge: from_numpy shares the array's
// memory where Tern's strided views can describe its layout, .numpy() and
// the buffer protocol share the tensor's.
#include <cstring>

#include "python/src/bindings.h"
#include "tern/autograd/engine.h"
#include "tern/ops/ops.h"

namespace tern::python {
namespace {

// The NumPy dtype of a Tern dtype (bf16 has none).
py::dtype numpy_dtype(DType d) {
  switch (d) {
    case DType::f32: return py::dtype::of<float>();
    case DType::f64: return py::dtype::of<double>();
    case DType::i32: return py::dtype::of<int32_t>();
    case DType::i64: return py::dtype::of<int64_t>();
    case DType::u8: return py::dtype::of<uint8_t>();
    case DType::boolean: return py::dtype::of<bool>();
    case DType::f16: return py::dtype("float16");
    case DType::bf16: break;
  }
  throw tern::TypeError("bf16 has no NumPy dtype: cast the tensor to f32 first");
}

DType tern_dtype(const py::dtype& dt) {
  const char kind = dt.kind();
  const auto size = dt.itemsize();
  if (kind == 'f' && size == 4) return DType::f32;
  if (kind == 'f' && size == 8) return DType::f64;
  if (kind == 'f' && size == 2) return DType::f16;
  if (kind == 'i' && size == 4) return DType::i32;
  if (kind == 'i' && size == 8) return DType::i64;
  if (kind == 'u' && size == 1) return DType::u8;
  if (kind == 'b') return DType::boolean;
  throw tern::TypeError(str_cat("NumPy dtype ", std::string(py::str(static_cast<const py::handle&>(dt))),
                                " has no Tern dtype (expected float32, float64, float16, int32, int64, uint8 or bool)"));
}

// The struct-module format of a dtype, for the buffer protocol.
std::string buffer_format(DType d) {
  switch (d) {
    case DType::f32: return py::format_descriptor<float>::format();
    case DType::f64: return py::format_descriptor<double>::format();
    case DType::i32: return py::format_descriptor<int32_t>::format();
    case DType::i64: return py::format_descriptor<int64_t>::format();
    case DType::u8: return py::format_descriptor<uint8_t>::format();
    case DType::boolean: return "?";
    case DType::f16: return "e";
    case DType::bf16: break;
  }
  throw tern::TypeError("bf16 has no buffer format: cast the tensor to f32 first");
}

void check_cpu(const Tensor& t) {
  TERN_CHECK_T(NotImplementedError, t.device().type == DeviceType::cpu,
               "only CPU tensors can be shared with NumPy, this one is on ", device_name(t.device().type));
}

void check_defined(const Tensor& t) {
  if (!t.defined()) throw tern::ValueError("the tensor is undefined (a default-constructed Tensor)");
}

}  // namespace

py::tuple shape_tuple(const Dims& d) {
  py::tuple out(d.size());
  for (size_t i = 0; i < d.size(); ++i) out[i] = d[i];
  return out;
}

Tensor from_numpy(const py::array& a) {
  const DType dtype = tern_dtype(a.dtype());
  const auto item = static_cast<int64_t>(a.itemsize());
  const auto nd = static_cast<size_t>(a.ndim());
  bool shareable = a.writeable();
  for (size_t i = 0; i < nd && shareable; ++i)
    shareable = a.strides(i) >= 0 && a.strides(i) % item == 0;
  py::array src = a;
  if (!shareable)  // a fresh C-contiguous copy, shared instead
    src = py::array::ensure(py::module_::import("numpy").attr("array")(a, py::arg("order") = "C"));
  Shape shape;
  Dims strides;
  int64_t span = 1;  // elements from the first to one past the last
  for (size_t i = 0; i < nd; ++i) {
    shape.push_back(src.shape(i));
    strides.push_back(src.strides(i) / item);
    if (src.shape(i) == 0) span = 0;
  }
  if (span != 0)
    for (size_t i = 0; i < nd; ++i) span += (src.shape(i) - 1) * (src.strides(i) / item);
  // The storage holds a reference to the array (taken with the GIL held and
  // dropped with it held: the last tensor may die on any thread).
  auto* keep = new py::object(src);
  auto release = [keep] {
    if (!Py_IsInitialized()) return;  // a tensor outliving the interpreter: nothing left to release
    py::gil_scoped_acquire gil;
    delete keep;
  };
  auto storage = std::make_shared<Storage>(const_cast<void*>(src.data()), static_cast<size_t>(span * item),
                                           Device{}, release);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = shape;
  impl->strides = strides;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

py::array to_numpy(const Tensor& t) {
  check_defined(t);
  check_cpu(t);
  const py::dtype dt = numpy_dtype(t.dtype());
  std::vector<py::ssize_t> shape, strides;
  const auto item = static_cast<py::ssize_t>(itemsize(t.dtype()));
  for (int64_t i = 0; i < t.dim(); ++i) {
    shape.push_back(t.shape()[i]);
    strides.push_back(t.strides()[i] * item);
  }
  // The capsule owns a handle to the tensor, so the memory outlives it.
  auto* owner = new Tensor(t.detach());
  py::capsule base(owner, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(dt, shape, strides, t.raw_data(), base);
}

Tensor as_tensor(py::handle h) {
  if (py::isinstance<Tensor>(h)) return h.cast<Tensor>();
  if (py::isinstance<py::array>(h)) return from_numpy(py::reinterpret_borrow<py::array>(h));
  // Python scalars and lists: the front's tensor() decides dtypes.
  return py::module_::import("tern").attr("tensor")(h).cast<Tensor>();
}

void init_tensor(py::module_& m) {
  py::enum_<DType>(m, "DType")
      .value("float32", DType::f32)
      .value("float64", DType::f64)
      .value("int32", DType::i32)
      .value("int64", DType::i64)
      .value("uint8", DType::u8)
      .value("bool", DType::boolean)
      .value("float16", DType::f16)
      .value("bfloat16", DType::bf16)
      .def_property_readonly("itemsize", [](DType d) { return itemsize(d); })
      .def_property_readonly("is_floating_point", [](DType d) { return is_floating(d); })
      .def_property_readonly("short_name", [](DType d) { return std::string(dtype_name(d)); });

  py::class_<Tensor>(m, "Tensor", py::buffer_protocol(), py::dynamic_attr())
      .def(py::init([](py::handle data) { return as_tensor(data); }), py::arg("data"))
      .def_buffer([](const Tensor& t) {
        check_defined(t);
        check_cpu(t);
        std::vector<py::ssize_t> shape, strides;
        const auto item = static_cast<py::ssize_t>(itemsize(t.dtype()));
        for (int64_t i = 0; i < t.dim(); ++i) {
          shape.push_back(t.shape()[i]);
          strides.push_back(t.strides()[i] * item);
        }
        return py::buffer_info(t.raw_data(), item, buffer_format(t.dtype()), t.dim(), shape, strides);
      })
      .def("numpy", &to_numpy, "A NumPy array sharing this tensor's memory")
      .def(
          "__array__",
          [](const Tensor& t, py::object dtype) {
            py::array a = to_numpy(t);
            if (!dtype.is_none()) return py::array::ensure(a.attr("astype")(dtype, py::arg("copy") = false));
            return a;
          },
          py::arg("dtype") = py::none())
      .def_property_readonly("shape", [](const Tensor& t) { check_defined(t); return shape_tuple(t.shape()); })
      .def("size", [](const Tensor& t, py::object d) -> py::object {
            check_defined(t);
            if (d.is_none()) return shape_tuple(t.shape());
            return py::int_(t.size(d.cast<int64_t>()));
          }, py::arg("dim") = py::none())
      .def_property_readonly("strides", [](const Tensor& t) { check_defined(t); return shape_tuple(t.strides()); })
      .def_property_readonly("offset", [](const Tensor& t) { check_defined(t); return t.offset(); })
      .def_property_readonly("dtype", [](const Tensor& t) { check_defined(t); return t.dtype(); })
      .def_property_readonly("ndim", [](const Tensor& t) { check_defined(t); return t.dim(); })
      .def("dim", [](const Tensor& t) { check_defined(t); return t.dim(); })
      .def("numel", [](const Tensor& t) { check_defined(t); return t.numel(); })
      .def_property_readonly("nbytes", [](const Tensor& t) { check_defined(t); return t.nbytes(); })
      .def_property_readonly("device", [](const Tensor& t) {
        check_defined(t);
        return std::string(device_name(t.device().type));
      })
      .def_property_readonly("data_ptr", [](const Tensor& t) {
        check_defined(t);
        return reinterpret_cast<uintptr_t>(t.raw_data());
      })
      .def("is_contiguous", [](const Tensor& t) { check_defined(t); return t.is_contiguous(); })
      .def("item", [](const Tensor& t) -> py::object {
        check_defined(t);
        TERN_CHECK(t.numel() == 1, "item(): expected a tensor with one element, got shape ", shape_str(t.shape()));
        const double v = t.item();
        if (t.dtype() == DType::boolean) return py::bool_(v != 0);
        if (!is_floating(t.dtype())) return py::int_(static_cast<int64_t>(v));
        return py::float_(v);
      })
      // --- autograd --------------------------------------------------------
      .def_property(
          "requires_grad", [](const Tensor& t) { check_defined(t); return needs_grad(t); },
          [](Tensor& t, bool on) {
            check_defined(t);
            TERN_CHECK(!on || is_floating(t.dtype()), "only floating-point tensors can require grad, this one is ",
                       dtype_name(t.dtype()));
            TERN_CHECK(on || t.is_leaf(), "requires_grad can only be switched off on a leaf tensor; use detach()");
            t.set_requires_grad(on);
          })
      .def("requires_grad_", [](Tensor& t, bool on) {
            check_defined(t);
            TERN_CHECK(!on || is_floating(t.dtype()), "only floating-point tensors can require grad, this one is ",
                       dtype_name(t.dtype()));
            TERN_CHECK(on || t.is_leaf(), "requires_grad can only be switched off on a leaf tensor; use detach()");
            t.set_requires_grad(on);
            return t;
          }, py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", [](const Tensor& t) { check_defined(t); return t.is_leaf(); })
      .def_property(
          "grad",
          [](const Tensor& t) -> py::object {
            check_defined(t);
            Tensor g = t.grad();
            if (!g.defined()) return py::none();
            return py::cast(g);
          },
          [](Tensor& t, py::object g) {
            check_defined(t);
            if (g.is_none()) t.zero_grad();
            else t.set_grad(as_tensor(g));
          })
      .def("zero_grad", [](Tensor& t) { check_defined(t); t.zero_grad(); })
      .def("detach", [](const Tensor& t) { check_defined(t); return t.detach(); })
      .def(
          "backward",
          [](const Tensor& t, py::object grad) {
            check_defined(t);
            TERN_CHECK(needs_grad(t), "backward(): the tensor does not require grad (no op on its way here recorded a gradient)");
            Tensor g = grad.is_none() ? Tensor() : as_tensor(grad);
            py::gil_scoped_release nogil;
            autograd::backward(t, g);
          },
          py::arg("gradient") = py::none())
      .def("register_hook", [](Tensor& t, py::function fn) {
            check_defined(t);
            TERN_CHECK(t.is_leaf() && t.requires_grad(), "register_hook(): expected a leaf tensor that requires grad");
            t.register_grad_hook([fn](const Tensor& g) {
              py::gil_scoped_acquire gil;
              fn(g);
            });
          })
      .def("__repr__", [](const Tensor& t) {
        if (!t.defined()) return std::string("tern.Tensor(undefined)");
        return t.to_string();
      })
      .def("__len__", [](const Tensor& t) {
        check_defined(t);
        if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return t.shape()[0];
      })
      .def("__bool__", [](const Tensor& t) {
        check_defined(t);
        TERN_CHECK(t.numel() == 1, "the truth value of a tensor with ", t.numel(),
                   " elements is ambiguous (use .any() / .all() on its numpy())");
        return t.item() != 0;
      })
      .def("__float__", [](const Tensor& t) {
        check_defined(t);
        TERN_CHECK(t.numel() == 1, "float(): expected one element, got shape ", shape_str(t.shape()));
        return t.item();
      })
      .def("__int__", [](const Tensor& t) {
        check_defined(t);
        TERN_CHECK(t.numel() == 1, "int(): expected one element, got shape ", shape_str(t.shape()));
        return static_cast<int64_t>(t.item());
      })
      .def("__hash__", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.impl()); })
      .def("same", &Tensor::same, "True if both handles are the same tensor (not just equal values)");

  m.def("from_numpy", &from_numpy, py::arg("array"),
        "A tensor sharing the array's memory (copied when its layout cannot be shared)");
}

}  // namespace tern::python
