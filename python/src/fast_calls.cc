// The hottest calls of a Python model, element-wise ops on tensors, without
// pybind11's dispatcher. A pybind11 call builds a function_call (two vectors
// on the heap), walks the overloads, and converts each argument through the
// generic caster: on a one-element add that is most of the cost. Here the
// ops are plain CPython functions (METH_FASTCALL) that check for tensors
// (and Python numbers for the scalar forms) and call the library directly;
// anything else (keywords, NumPy arrays, lists, a C++ error to translate)
// is handed to the pybind11 binding the function replaces, so behaviour and
// messages are that binding's. The tensor operators (+, -, *, /, unary
// minus, comparisons) and unary methods (t.exp()) get the same fast path,
// with the Python methods of tern/__init__.py as their fallback.
#include <array>
#include <string>

#include "python/src/bindings.h"
#include "tern/ops/ops.h"

namespace tern::python {
namespace {

using Unary = Tensor (*)(const Tensor&);
using Binary = Tensor (*)(const Tensor&, const Tensor&);
using WithScalar = Tensor (*)(const Tensor&, double);

// The tensor `o` holds (a tern.Tensor or a subclass), else null.
const Tensor* tensor_of(PyObject* o) {
  py::detail::type_caster<Tensor> caster;
  if (!caster.load(o, /*convert=*/false)) return nullptr;
  return static_cast<Tensor*>(caster);
}

// A Python int or float (not bool, not a NumPy scalar: those take the
// binding's path) as a double.
bool number_of(PyObject* o, double* out) {
  if (PyFloat_CheckExact(o)) {
    *out = PyFloat_AS_DOUBLE(o);
    return true;
  }
  if (PyLong_CheckExact(o)) {
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) return false;
    *out = static_cast<double>(v);
    return true;
  }
  return false;
}

PyObject* wrap(Tensor&& t) {
  return py::detail::type_caster<Tensor>::cast(std::move(t), py::return_value_policy::move, py::handle()).ptr();
}

// Runs `op`; on a C++ error returns null without a Python error set, so the
// caller redoes the call through the binding (the ops are pure), which raises
// the translated exception.
template <typename F>
PyObject* attempt(F&& op) {
  try {
    return wrap(op());
  } catch (...) {
    return nullptr;
  }
}

PyObject* call_fallback(PyObject* fallback, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  return PyObject_Vectorcall(fallback, args, static_cast<size_t>(nargs), kwnames);
}

// --- module functions: tern.add(a, b), tern.exp(t), tern.add_scalar(t, s) ----

struct Function {
  Function(const char* n, Unary f) : name(n), unary(f) {}
  Function(const char* n, Binary f) : name(n), binary(f) {}
  Function(const char* n, WithScalar f) : name(n), with_scalar(f) {}
  const char* name;
  Unary unary = nullptr;
  Binary binary = nullptr;
  WithScalar with_scalar = nullptr;
  PyObject* fallback = nullptr;  // the pybind11 binding (a new reference, kept for the process)
  std::string doc;
  PyMethodDef def{};
};

std::array<Function, 26>& functions() {
  static std::array<Function, 26> f = {{
      {"neg", Unary{&tern::neg}},           {"exp", Unary{&tern::exp}},
      {"log", Unary{&tern::log}},           {"sqrt", Unary{&tern::sqrt}},
      {"abs", Unary{&tern::abs}},           {"tanh", Unary{&tern::tanh}},
      {"sigmoid", Unary{&tern::sigmoid}},   {"relu", Unary{&tern::relu}},
      {"sin", Unary{&tern::sin}},           {"cos", Unary{&tern::cos}},
      {"square", Unary{&tern::square}},     {"add", Binary{&tern::add}},
      {"sub", Binary{&tern::sub}},          {"mul", Binary{&tern::mul}},
      {"div", Binary{&tern::div}},          {"maximum", Binary{&tern::maximum}},
      {"minimum", Binary{&tern::minimum}},  {"eq", Binary{&tern::eq}},
      {"ne", Binary{&tern::ne}},            {"lt", Binary{&tern::lt}},
      {"le", Binary{&tern::le}},            {"gt", Binary{&tern::gt}},
      {"ge", Binary{&tern::ge}},            {"add_scalar", WithScalar{&tern::add_scalar}},
      {"mul_scalar", WithScalar{&tern::mul_scalar}}, {"pow_scalar", WithScalar{&tern::pow_scalar}},
  }};
  return f;
}

PyObject* call_function(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  const Function& f = *static_cast<const Function*>(PyCapsule_GetPointer(self, nullptr));
  if (!kwnames) {
    PyObject* out = nullptr;
    if (f.unary && nargs == 1) {
      if (const Tensor* t = tensor_of(args[0])) out = attempt([&] { return f.unary(*t); });
    } else if (f.binary && nargs == 2) {
      const Tensor* a = tensor_of(args[0]);
      const Tensor* b = a ? tensor_of(args[1]) : nullptr;
      if (b) out = attempt([&] { return f.binary(*a, *b); });
    } else if (f.with_scalar && nargs == 2) {
      double s = 0;
      const Tensor* t = tensor_of(args[0]);
      if (t && number_of(args[1], &s)) out = attempt([&] { return f.with_scalar(*t, s); });
    }
    if (out) return out;
  }
  return call_fallback(f.fallback, args, nargs, kwnames);
}

// --- Tensor operators and methods: a + b, a * 2.0, -a, a < b, t.exp() ----------

enum class Kind { binary, unary };
struct Method {
  Method(const char* n, Binary t, WithScalar number = nullptr, bool negate = false, bool invert = false)
      : name(n), kind(Kind::binary), with_tensor(t), with_number(number), negate_number(negate), invert_number(invert) {}
  Method(const char* n, Unary f) : name(n), kind(Kind::unary), unary(f) {}
  const char* name;
  Kind kind;
  Binary with_tensor = nullptr;
  WithScalar with_number = nullptr;  // for a Python number operand, floating tensors only
  bool negate_number = false;        // a - s = add_scalar(a, -s)
  bool invert_number = false;        // a / s = mul_scalar(a, 1 / s)
  Unary unary = nullptr;
  PyObject* fallback = nullptr;      // the Python method it replaces
  PyMethodDef def{};
};

constexpr size_t kMethods = 24;
std::array<Method, kMethods>& methods() {
  static std::array<Method, kMethods> m = {{
      {"__add__", Binary{&tern::add}, WithScalar{&tern::add_scalar}},
      {"__radd__", Binary{&tern::add}, WithScalar{&tern::add_scalar}},
      {"__sub__", Binary{&tern::sub}, WithScalar{&tern::add_scalar}, /*negate=*/true},
      {"__mul__", Binary{&tern::mul}, WithScalar{&tern::mul_scalar}},
      {"__rmul__", Binary{&tern::mul}, WithScalar{&tern::mul_scalar}},
      {"__truediv__", Binary{&tern::div}, WithScalar{&tern::mul_scalar}, false, /*invert=*/true},
      {"__eq__", Binary{&tern::eq}},
      {"__ne__", Binary{&tern::ne}},
      {"__lt__", Binary{&tern::lt}},
      {"__le__", Binary{&tern::le}},
      {"__gt__", Binary{&tern::gt}},
      {"__ge__", Binary{&tern::ge}},
      {"__neg__", Unary{&tern::neg}},
      {"neg", Unary{&tern::neg}},
      {"exp", Unary{&tern::exp}},
      {"log", Unary{&tern::log}},
      {"sqrt", Unary{&tern::sqrt}},
      {"abs", Unary{&tern::abs}},
      {"tanh", Unary{&tern::tanh}},
      {"sigmoid", Unary{&tern::sigmoid}},
      {"relu", Unary{&tern::relu}},
      {"sin", Unary{&tern::sin}},
      {"cos", Unary{&tern::cos}},
      {"square", Unary{&tern::square}},
  }};
  return m;
}

PyObject* call_method(const Method& m, PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  PyObject* out = nullptr;
  if (const Tensor* a = tensor_of(self)) {
    if (m.kind == Kind::unary && nargs == 0) {
      out = attempt([&] { return m.unary(*a); });
    } else if (m.kind == Kind::binary && nargs == 1) {
      double s = 0;
      if (const Tensor* b = tensor_of(args[0])) {
        out = attempt([&] { return m.with_tensor(*a, *b); });
      } else if (m.with_number && a->defined() && is_floating(a->dtype()) && number_of(args[0], &s) &&
                 !(m.invert_number && s == 0)) {
        if (m.negate_number) s = -s;
        if (m.invert_number) s = 1.0 / s;
        out = attempt([&] { return m.with_number(*a, s); });
      }
    }
  }
  if (out) return out;
  // The Python method: self first, then the arguments.
  std::array<PyObject*, 3> full{};
  if (nargs > 2) {
    PyErr_Format(PyExc_TypeError, "%s takes at most 1 argument (%zd given)", m.name, nargs);
    return nullptr;
  }
  full[0] = self;
  for (Py_ssize_t i = 0; i < nargs; ++i) full[i + 1] = args[i];
  return PyObject_Vectorcall(m.fallback, full.data(), static_cast<size_t>(nargs + 1), nullptr);
}

template <size_t K>
PyObject* method_entry(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
  return call_method(methods()[K], self, args, nargs);
}

template <size_t... K>
constexpr std::array<_PyCFunctionFast, sizeof...(K)> method_entries(std::index_sequence<K...>) {
  return {&method_entry<K>...};
}

}  // namespace

void init_fast_calls(py::module_& m) {
  for (Function& f : functions()) {
    py::object binding = m.attr(f.name);
    f.fallback = binding.release().ptr();
    py::object doc = py::getattr(py::handle(f.fallback), "__doc__", py::none());
    f.doc = doc.is_none() ? "" : doc.cast<std::string>();
    f.def = {f.name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&call_function)),
             METH_FASTCALL | METH_KEYWORDS, f.doc.c_str()};
    py::capsule self(&f);
    py::object fast = py::reinterpret_steal<py::object>(PyCFunction_NewEx(&f.def, self.ptr(), m.attr("__name__").ptr()));
    if (!fast) throw py::error_already_set();
    m.attr(f.name) = fast;
  }
  m.def(
      "_install_fast_methods",
      [](py::type tensor_type) {
        static const auto entries = method_entries(std::make_index_sequence<kMethods>());
        PyTypeObject* type = reinterpret_cast<PyTypeObject*>(tensor_type.ptr());
        for (size_t k = 0; k < kMethods; ++k) {
          Method& method = methods()[k];
          py::object python_method = tensor_type.attr(method.name);
          method.fallback = python_method.release().ptr();
          method.def = {method.name, reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(entries[k])),
                        METH_FASTCALL, nullptr};
          py::object descr = py::reinterpret_steal<py::object>(PyDescr_NewMethod(type, &method.def));
          if (!descr) throw py::error_already_set();
          tensor_type.attr(method.name) = descr;
        }
      },
      "replaces Tensor's Python operators and unary methods by fast paths that fall back to them");
}

}  // namespace tern::python
