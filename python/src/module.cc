// tern._C: the extension module. Tern's error types become the Python
// exceptions of the same meaning, with the C++ message.
#include "python/src/bindings.h"

#include "tern/base/error.h"

namespace tern::python {
namespace {

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const tern::ValueError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const tern::TypeError& e) {
    PyErr_SetString(PyExc_TypeError, e.what());
  } catch (const tern::IndexError& e) {
    PyErr_SetString(PyExc_IndexError, e.what());
  } catch (const tern::NotImplementedError& e) {
    PyErr_SetString(PyExc_NotImplementedError, e.what());
  } catch (const tern::IOError& e) {
    PyErr_SetString(PyExc_OSError, e.what());
  }
  // Anything else (InternalError, std::exception) falls to pybind11's own
  // translators: RuntimeError and friends.
}

}  // namespace
}  // namespace tern::python

PYBIND11_MODULE(_C, m) {
  using namespace tern::python;
  m.doc() = "Tern's C++ library (see the tern package for the Python API)";
  py::register_exception_translator(&translate);
  init_tensor(m);
  init_ops(m);
  init_autograd(m);
  init_function(m);
  auto nn = m.def_submodule("nn");
  init_nn(nn);
  auto optim = m.def_submodule("optim");
  init_optim(optim);
  auto data = m.def_submodule("data");
  init_data(data);
  auto io = m.def_submodule("io");
  init_io(io);
  init_systems(m);
  init_train(m);
  auto dist = m.def_submodule("dist");
  init_dist(dist);
  init_fast_calls(m);
}
