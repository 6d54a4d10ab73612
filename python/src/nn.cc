// tern._C.nn: Module (subclassable from Python: forward() is overridden by
// the subclass, parameters and children are registered by the Python
// Module's __setattr__, tern/nn.py), the C++ layers and the model zoo.
#include "python/src/bindings.h"
#include "tern/io/checkpoint.h"
#include "tern/nn/describe.h"
#include "tern/nn/init.h"
#include "tern/nn/layers.h"
#include "tern/nn/models.h"
#include "tern/nn/module.h"

namespace tern::python {
namespace {

using nn::Module;
using nn::ModulePtr;

// A Module whose forward() is a Python method.
class PyModule : public Module {
 public:
  using Module::Module;
  Tensor forward(const Tensor& x) override { PYBIND11_OVERRIDE_PURE(Tensor, Module, forward, x); }
};

// Makes Module's registration methods callable from the bindings.
struct Registrar : Module {
  using Module::register_buffer;
  using Module::register_parameter;
  static void add_child(Module& mod, const std::string& name, ModulePtr child) {
    ModulePtr (Module::*reg)(const std::string&, ModulePtr) = &Registrar::register_module<Module>;
    (mod.*reg)(name, std::move(child));
  }
};

py::list named_list(const nn::NamedTensors& v) {
  py::list out;
  for (const auto& [name, t] : v) out.append(py::make_tuple(name, t));
  return out;
}

template <typename M, typename... Opts>
py::class_<M, Module, std::shared_ptr<M>> layer(py::module_& m, const char* name) {
  return py::class_<M, Module, std::shared_ptr<M>>(m, name);
}

}  // namespace

void init_nn(py::module_& m) {
  using py::arg;
  py::class_<Module, PyModule, ModulePtr>(m, "Module", py::dynamic_attr())
      .def(py::init<std::string>(), arg("type"))
      .def("forward", &Module::forward, arg("x"))
      .def("__call__", &Module::operator(), arg("x"))
      .def("named_parameters", [](const Module& mod) { return named_list(mod.named_parameters()); })
      .def("named_buffers", [](const Module& mod) { return named_list(mod.named_buffers()); })
      .def("parameters", &Module::parameters)
      .def("_state", [](const Module& mod) { return named_list(mod.state()); })
      .def("num_parameters", &Module::num_parameters)
      .def("train", &Module::train, arg("mode") = true)
      .def("eval", &Module::eval)
      .def_property_readonly("training", &Module::is_training)
      .def_property_readonly("type", &Module::type)
      .def("named_children", [](const Module& mod) {
        py::list out;
        for (const auto& [name, c] : mod.children()) out.append(py::make_tuple(name, c));
        return out;
      })
      .def(
          "_register_parameter",
          [](Module& mod, const std::string& name, const Tensor& t) {
            TERN_CHECK(t.defined() && is_floating(t.dtype()), "parameter '", name,
                       "' must be a floating-point tensor");
            TERN_CHECK(t.is_leaf(), "parameter '", name, "' must be a leaf tensor (use detach())");
            for (const auto& [n, p] : mod.named_parameters())
              TERN_CHECK(n != name, mod.type(), ": parameter '", name, "' is already registered");
            (mod.*&Registrar::register_parameter)(name, t);
          },
          arg("name"), arg("tensor"))
      .def(
          "_register_buffer",
          [](Module& mod, const std::string& name, const Tensor& t) {
            TERN_CHECK(t.defined(), "buffer '", name, "' is undefined");
            (mod.*&Registrar::register_buffer)(name, t);
          },
          arg("name"), arg("tensor"))
      .def(
          "_register_module",
          [](Module& mod, const std::string& name, ModulePtr child) {
            TERN_CHECK(child != nullptr, "module '", name, "' is None");
            for (const auto& [n, c] : mod.children())
              TERN_CHECK(n != name, mod.type(), ": module '", name, "' is already registered");
            Registrar::add_child(mod, name, std::move(child));
          },
          arg("name"), arg("module"), py::keep_alive<1, 3>())  // a Python child lives as long as its parent
      .def(
          "_assign",
          [](const Module& mod, const std::vector<std::pair<std::string, Tensor>>& src, const std::string& what) {
            io::assign_tensors(mod.state(), src, what);
          },
          arg("state"), arg("what"), "Copies tensors into the parameters and buffers of the same names, in place");

  py::class_<nn::Sequential, Module, std::shared_ptr<nn::Sequential>>(m, "Sequential")
      .def(py::init<>())
      .def("add", [](nn::Sequential& s, ModulePtr mod) { s.add(std::move(mod)); }, arg("module"), py::keep_alive<1, 2>())
      .def("add_named", [](nn::Sequential& s, const std::string& n, ModulePtr mod) { s.add(n, std::move(mod)); },
           arg("name"), arg("module"), py::keep_alive<1, 3>())
      .def("__len__", &nn::Sequential::size);

  layer<nn::Linear>(m, "Linear")
      .def(py::init<int64_t, int64_t, bool>(), arg("in_features"), arg("out_features"), arg("bias") = true);
  layer<nn::Conv2d>(m, "Conv2d")
      .def(py::init<int64_t, int64_t, int64_t, int64_t, int64_t, bool, int64_t, int64_t>(), arg("in_channels"),
           arg("out_channels"), arg("kernel_size"), arg("stride") = 1, arg("padding") = 0, arg("bias") = true,
           arg("groups") = 1, arg("dilation") = 1);
  layer<nn::BatchNorm2d>(m, "BatchNorm2d")
      .def(py::init<int64_t, double, double>(), arg("num_features"), arg("momentum") = 0.1, arg("eps") = 1e-5);
  layer<nn::LayerNorm>(m, "LayerNorm").def(py::init<int64_t, double>(), arg("features"), arg("eps") = 1e-5);
  layer<nn::Dropout>(m, "Dropout").def(py::init<double>(), arg("p") = 0.5);
  layer<nn::ReLU>(m, "ReLU").def(py::init<>());
  layer<nn::ReLU6>(m, "ReLU6").def(py::init<>());
  layer<nn::Tanh>(m, "Tanh").def(py::init<>());
  layer<nn::Sigmoid>(m, "Sigmoid").def(py::init<>());
  layer<nn::Flatten>(m, "Flatten").def(py::init<>());
  layer<nn::MaxPool2d>(m, "MaxPool2d")
      .def(py::init<int64_t, int64_t, int64_t>(), arg("kernel_size"), arg("stride") = -1, arg("padding") = 0);
  layer<nn::AvgPool2d>(m, "AvgPool2d")
      .def(py::init<int64_t, int64_t, int64_t>(), arg("kernel_size"), arg("stride") = -1, arg("padding") = 0);
  layer<nn::AdaptiveAvgPool2d>(m, "AdaptiveAvgPool2d").def(py::init<int64_t, int64_t>(), arg("h"), arg("w"));
  layer<nn::Embedding>(m, "Embedding").def(py::init<int64_t, int64_t>(), arg("num_embeddings"), arg("embedding_dim"));
  py::class_<nn::RecurrentBase, Module, std::shared_ptr<nn::RecurrentBase>>(m, "RecurrentBase");
  py::class_<nn::LSTM, nn::RecurrentBase, std::shared_ptr<nn::LSTM>>(m, "LSTM")
      .def(py::init<int64_t, int64_t, int64_t, double>(), arg("input_size"), arg("hidden_size"),
           arg("num_layers") = 1, arg("dropout") = 0.0);
  py::class_<nn::GRU, nn::RecurrentBase, std::shared_ptr<nn::GRU>>(m, "GRU")
      .def(py::init<int64_t, int64_t, int64_t>(), arg("input_size"), arg("hidden_size"), arg("num_layers") = 1);
  layer<nn::MultiheadAttention>(m, "MultiheadAttention")
      .def(py::init<int64_t, int64_t, bool>(), arg("embed_dim"), arg("num_heads"), arg("causal") = false);

  // --- initialisers (in place, from the default generator) and descriptions ---
  auto init = m.def_submodule("init");
  init.def("uniform_", [](Tensor& t, double lo, double hi) { nn::init::uniform_(t, lo, hi); }, arg("t"), arg("a"),
           arg("b"));
  init.def("normal_", [](Tensor& t, double mean, double std) { nn::init::normal_(t, mean, std); }, arg("t"),
           arg("mean") = 0.0, arg("std") = 1.0);
  init.def("constant_", [](Tensor& t, double v) { nn::init::constant_(t, v); }, arg("t"), arg("value"));
  init.def("kaiming_normal_", [](Tensor& t, bool fan_out) { nn::init::kaiming_normal_(t, fan_out); }, arg("t"),
           arg("use_fan_out") = true);
  init.def("xavier_uniform_", [](Tensor& t) { nn::init::xavier_uniform_(t); }, arg("t"));
  init.def("fan_in", &nn::init::fan_in, arg("w"));
  init.def("fan_out", &nn::init::fan_out, arg("w"));
  m.def(
      "describe",
      [](Module& model, std::vector<int64_t> input_shape, DType dtype) {
        nn::ModelDescription d = nn::describe(model, input_shape, dtype);
        py::list layers;
        for (const auto& l : d.layers) {
          py::dict e;
          e["name"] = l.name;
          e["type"] = l.type;
          e["output_shape"] = shape_tuple(l.output_shape);
          e["parameters"] = l.parameters;
          e["flops"] = l.flops;
          layers.append(e);
        }
        py::dict out;
        out["layers"] = layers;
        out["parameters"] = d.parameters;
        out["flops"] = d.flops;
        return out;
      },
      arg("model"), arg("input_shape"), arg("dtype") = DType::f32,
      "One forward pass on zeros of input_shape (batch first): each leaf layer's output shape, parameters, FLOPs");

  // --- the zoo -------------------------------------------------------------
  m.def("model_names", [] {
    std::vector<std::string> out;
    for (const auto& s : nn::model_zoo()) out.push_back(s.name);
    return out;
  });
  m.def(
      "make_model",
      [](const std::string& name, int64_t in_channels, int64_t image_size, int64_t num_classes, int64_t vocab,
         int64_t in_features) {
        nn::ModelOptions o;
        o.in_channels = in_channels;
        o.image_size = image_size;
        o.num_classes = num_classes;
        o.vocab = vocab;
        o.in_features = in_features;
        return nn::make_model(name, o);
      },
      arg("name"), arg("in_channels") = 1, arg("image_size") = 28, arg("num_classes") = 10, arg("vocab") = 10000,
      arg("in_features") = 0);
}

}  // namespace tern::python
