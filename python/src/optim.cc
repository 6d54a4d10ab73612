// tern._C.optim: optimisers by registry name (settings as the CLI's k=v
// arguments, so every range check and default is the library's) and the
// learning-rate schedules.
#include <map>

#include "python/src/bindings.h"
#include "tern/optim/factory.h"
#include "tern/optim/schedule.h"

namespace tern::python {
namespace {

using optim::LrSchedule;
using optim::Optimizer;

Args to_args(const std::map<std::string, std::string>& kv, const char* prefix) { return Args(kv, prefix); }

}  // namespace

void init_optim(py::module_& m) {
  using py::arg;
  py::class_<Optimizer>(m, "Optimizer")
      .def("step", [](Optimizer& o) {
            py::gil_scoped_release nogil;
            o.step();
          })
      .def("zero_grad", &Optimizer::zero_grad)
      .def_property("lr", &Optimizer::lr, &Optimizer::set_lr)
      .def_property_readonly("steps", &Optimizer::steps)
      .def_property_readonly("kind", &Optimizer::kind)
      .def("param_names", [](const Optimizer& o) {
        std::vector<std::string> out;
        for (const auto& p : o.params()) out.push_back(p.name);
        return out;
      })
      .def("params", [](const Optimizer& o) {
        std::vector<Tensor> out;
        for (const auto& p : o.params()) out.push_back(p.param);
        return out;
      })
      .def("_state_dict", &Optimizer::state_dict)
      .def("_load_state_dict", &Optimizer::load_state_dict, arg("state"));
  m.def("names", &optim::optimizer_names);
  m.def(
      "make",
      [](const std::string& name, const std::vector<std::pair<std::string, Tensor>>& params,
         const std::map<std::string, std::string>& settings) {
        std::vector<optim::ParamRef> refs;
        for (const auto& [n, t] : params) refs.push_back({n, t});
        return optim::make_optimizer(name, std::move(refs), to_args(settings, "optimizer argument "));
      },
      arg("name"), arg("params"), arg("settings"));

  py::class_<LrSchedule, std::shared_ptr<LrSchedule>>(m, "LrSchedule")
      .def("lr_at", &LrSchedule::lr_at, arg("step"));  // apply(): tern/optim.py
  py::class_<optim::ConstantLr, LrSchedule, std::shared_ptr<optim::ConstantLr>>(m, "ConstantLr")
      .def(py::init<double>(), arg("base_lr"));
  py::class_<optim::StepDecay, LrSchedule, std::shared_ptr<optim::StepDecay>>(m, "StepDecay")
      .def(py::init<double, int64_t, double>(), arg("base_lr"), arg("step_size"), arg("gamma") = 0.1);
  py::class_<optim::CosineAnnealing, LrSchedule, std::shared_ptr<optim::CosineAnnealing>>(m, "CosineAnnealing")
      .def(py::init<double, int64_t, double>(), arg("base_lr"), arg("t_max"), arg("eta_min") = 0.0);
  py::class_<optim::LinearWarmup, LrSchedule, std::shared_ptr<optim::LinearWarmup>>(m, "LinearWarmup")
      .def(py::init([](std::shared_ptr<LrSchedule> after, int64_t warmup, double start) {
             TERN_CHECK(after != nullptr, "LinearWarmup: the schedule after the warm-up is None");
             return std::make_shared<optim::LinearWarmup>(after, warmup, start);
           }),
           arg("after"), arg("warmup_steps"), arg("start_factor") = 1.0 / 3);
  m.def(
      "make_schedule",
      [](const std::string& name, double base_lr, int64_t steps, const std::map<std::string, std::string>& settings) {
        return optim::make_schedule(name, base_lr, steps, to_args(settings, "schedule argument "));
      },
      arg("name"), arg("base_lr"), arg("steps"), arg("settings") = std::map<std::string, std::string>{});
}

}  // namespace tern::python
