// Autograd: backward over several roots, grad() returning gradients, and
// grad mode (the Python no_grad / enable_grad context managers set it).
#include "python/src/bindings.h"
#include "tern/autograd/engine.h"
#include "tern/autograd/gradcheck.h"
#include "tern/autograd/grad_mode.h"

namespace tern::python {

void init_autograd(py::module_& m) {
  using py::arg;
  m.def(
      "backward",
      [](const std::vector<Tensor>& roots, const std::vector<Tensor>& grads) {
        for (const Tensor& r : roots)
          TERN_CHECK(r.defined() && needs_grad(r), "backward(): every root must require grad");
        py::gil_scoped_release nogil;
        autograd::backward(roots, grads);
      },
      arg("roots"), arg("grads") = std::vector<Tensor>{});
  m.def(
      "grad",
      [](const Tensor& output, const std::vector<Tensor>& inputs, py::object grad_output) {
        TERN_CHECK(output.defined() && needs_grad(output), "grad(): the output does not require grad");
        for (const Tensor& t : inputs)
          TERN_CHECK(t.defined() && t.requires_grad(), "grad(): every input must require grad");
        Tensor g = grad_output.is_none() ? Tensor() : as_tensor(grad_output);
        py::gil_scoped_release nogil;
        return autograd::grad(output, inputs, g);
      },
      arg("output"), arg("inputs"), arg("grad_output") = py::none());
  m.def(
      "gradcheck",
      [](py::function f, const std::vector<Tensor>& inputs, double eps, double atol, double rtol) {
        // f runs here, on this thread, with the GIL held.
        auto call = [&f](const std::vector<Tensor>& xs) { return as_tensor(f(*py::cast(xs))); };
        autograd::GradCheckResult r = autograd::gradcheck(call, inputs, eps, atol, rtol);
        py::dict out;
        out["ok"] = r.ok;
        out["max_abs_error"] = r.max_abs_error;
        out["message"] = r.message;
        return out;
      },
      arg("f"), arg("inputs"), arg("eps") = 1e-6, arg("atol") = 1e-5, arg("rtol") = 1e-4,
      "Compares f's gradients (f(*inputs) -> tensor) with central differences; inputs that require grad are "
      "perturbed (use float64)");
  m.def("is_grad_enabled", &grad_enabled);
  m.def("set_grad_enabled", [](bool on) { dispatch_state().grad_enabled = on; }, arg("enabled"));
}

}  // namespace tern::python
