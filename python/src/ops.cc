// Every public op of tern/ops/ops.h, under its C++ name and argument names.
// Optional tensors (a bias) take None; shapes take any sequence of ints.
#include "python/src/bindings.h"
#include "tern/ops/ops.h"

namespace tern::python {
namespace {

Tensor opt_tensor(const py::object& o) { return o.is_none() ? Tensor() : as_tensor(o); }

using Heavy = py::call_guard<py::gil_scoped_release>;

}  // namespace

void init_ops(py::module_& m) {
  using py::arg;
  // --- random numbers ---------------------------------------------------
  py::class_<Generator>(m, "Generator")
      .def(py::init<uint64_t>(), arg("seed") = 0x5eed)
      .def_property_readonly("seed", &Generator::seed)
      .def_property_readonly("offset", &Generator::offset)
      .def("set_state", &Generator::set_state, arg("seed"), arg("offset"));
  m.def("default_generator", &default_generator, py::return_value_policy::reference);
  m.def("manual_seed", &manual_seed, arg("seed"));

  // --- creation ----------------------------------------------------------
  m.def("full", [](std::vector<int64_t> s, double v, DType d) { return full(s, v, d); }, arg("shape"), arg("value"),
        arg("dtype") = DType::f32);
  m.def("zeros", [](std::vector<int64_t> s, DType d) { return zeros(s, d); }, arg("shape"), arg("dtype") = DType::f32);
  m.def("ones", [](std::vector<int64_t> s, DType d) { return ones(s, d); }, arg("shape"), arg("dtype") = DType::f32);
  m.def("zeros_like", &zeros_like, arg("t"));
  m.def("ones_like", &ones_like, arg("t"));
  m.def("arange", &arange, arg("start"), arg("end"), arg("step") = 1, arg("dtype") = DType::i64);
  m.def("rand", [](std::vector<int64_t> s, Generator* g, DType d) { return rand(s, g ? *g : default_generator(), d); },
        arg("shape"), arg("generator") = py::none(), arg("dtype") = DType::f32);
  m.def("randn", [](std::vector<int64_t> s, Generator* g, DType d) { return randn(s, g ? *g : default_generator(), d); },
        arg("shape"), arg("generator") = py::none(), arg("dtype") = DType::f32);

  // --- copy / conversion -------------------------------------------------
  m.def("contiguous", &contiguous, arg("t"));
  m.def("clone", &clone, arg("t"));
  m.def("cast", &cast, arg("t"), arg("dtype"));

  // --- unary ---------------------------------------------------------------
  m.def("neg", &neg, arg("t"));
  m.def("exp", &tern::exp, arg("t"));
  m.def("log", &tern::log, arg("t"));
  m.def("sqrt", &tern::sqrt, arg("t"));
  m.def("abs", &tern::abs, arg("t"));
  m.def("tanh", &tern::tanh, arg("t"));
  m.def("sigmoid", &sigmoid, arg("t"));
  m.def("relu", &relu, arg("t"));
  m.def("sin", &tern::sin, arg("t"));
  m.def("cos", &tern::cos, arg("t"));
  m.def("add_scalar", &add_scalar, arg("t"), arg("s"));
  m.def("mul_scalar", &mul_scalar, arg("t"), arg("s"));
  m.def("pow_scalar", &pow_scalar, arg("t"), arg("p"));
  m.def("square", &square, arg("t"));
  m.def("relu_grad", &relu_grad, arg("g"), arg("y"));

  // --- binary, comparisons, selection -------------------------------------
  m.def("add", &add, arg("a"), arg("b"));
  m.def("sub", &sub, arg("a"), arg("b"));
  m.def("mul", &mul, arg("a"), arg("b"));
  m.def("div", &tern::div, arg("a"), arg("b"));
  m.def("maximum", &maximum, arg("a"), arg("b"));
  m.def("minimum", &minimum, arg("a"), arg("b"));
  m.def("eq", &eq, arg("a"), arg("b"));
  m.def("ne", &ne, arg("a"), arg("b"));
  m.def("lt", &lt, arg("a"), arg("b"));
  m.def("le", &le, arg("a"), arg("b"));
  m.def("gt", &gt, arg("a"), arg("b"));
  m.def("ge", &ge, arg("a"), arg("b"));
  m.def("where", &where, arg("cond"), arg("a"), arg("b"));

  // --- reductions ----------------------------------------------------------
  m.def("sum", &sum, arg("t"), arg("dims") = std::vector<int64_t>{}, arg("keepdim") = false);
  m.def("mean", &mean, arg("t"), arg("dims") = std::vector<int64_t>{}, arg("keepdim") = false);
  m.def("var", &var, arg("t"), arg("dims") = std::vector<int64_t>{}, arg("keepdim") = false,
        arg("correction") = 1);
  m.def("max", &tern::max, arg("t"), arg("dim"), arg("keepdim") = false);
  m.def("argmax", &argmax, arg("t"), arg("dim"), arg("keepdim") = false);
  m.def("logsumexp", &logsumexp, arg("t"), arg("dim"), arg("keepdim") = false);

  // --- movement ------------------------------------------------------------
  m.def("reshape", &reshape, arg("t"), arg("shape"));
  m.def("flatten", &flatten, arg("t"), arg("start_dim") = 0, arg("end_dim") = -1);
  m.def("unsqueeze", &unsqueeze, arg("t"), arg("dim"));
  m.def("squeeze", &squeeze, arg("t"), arg("dim"));
  m.def("permute", &permute, arg("t"), arg("dims"));
  m.def("transpose", &transpose, arg("t"), arg("a"), arg("b"));
  m.def("expand", &expand, arg("t"), arg("shape"));
  m.def("slice", &slice, arg("t"), arg("dim"), arg("start"), arg("end"), arg("step") = 1);
  m.def("pad", &pad, arg("t"), arg("pads"), arg("value") = 0.0);
  m.def("cat", &cat, arg("ts"), arg("dim"));
  m.def("stack", &stack, arg("ts"), arg("dim"));
  m.def("split", &split, arg("t"), arg("size"), arg("dim"));

  // --- indexing ------------------------------------------------------------
  m.def("gather", &gather, arg("t"), arg("dim"), arg("index"));
  m.def("index_select", &index_select, arg("t"), arg("dim"), arg("index"));
  m.def("scatter_add", &scatter_add, arg("t"), arg("dim"), arg("index"), arg("src"));
  m.def("index_add", &index_add, arg("t"), arg("dim"), arg("index"), arg("src"));

  // --- linear algebra, convolution, pooling ---------------------------------
  m.def("matmul", &matmul, arg("a"), arg("b"), Heavy());
  m.def(
      "linear", [](const Tensor& x, const Tensor& w, py::object b) { return linear(x, w, opt_tensor(b)); },
      arg("x"), arg("weight"), arg("bias") = py::none());
  m.def(
      "conv2d",
      [](const Tensor& x, const Tensor& w, py::object b, py::object stride, py::object padding, py::object dilation,
         int64_t groups) {
        // An int or an (h, w) pair, as torch.nn.functional.conv2d takes.
        auto pair = [](const py::object& o) -> std::pair<int64_t, int64_t> {
          if (py::isinstance<py::int_>(o)) return {o.cast<int64_t>(), o.cast<int64_t>()};
          auto v = o.cast<std::vector<int64_t>>();
          TERN_CHECK(v.size() == 2, "conv2d: expected an int or a pair (h, w), got ", v.size(), " values");
          return {v[0], v[1]};
        };
        Conv2dOptions opt;
        std::tie(opt.stride_h, opt.stride_w) = pair(stride);
        std::tie(opt.pad_h, opt.pad_w) = pair(padding);
        std::tie(opt.dilation_h, opt.dilation_w) = pair(dilation);
        opt.groups = groups;
        Tensor bias = opt_tensor(b);
        py::gil_scoped_release nogil;
        return conv2d(x, w, bias, opt);
      },
      arg("x"), arg("weight"), arg("bias") = py::none(), arg("stride") = 1, arg("padding") = 0, arg("dilation") = 1,
      arg("groups") = 1);
  m.def("max_pool2d", &max_pool2d, arg("x"), arg("kernel"), arg("stride") = -1, arg("padding") = 0, Heavy());
  m.def("avg_pool2d", &avg_pool2d, arg("x"), arg("kernel"), arg("stride") = -1, arg("padding") = 0, Heavy());
  m.def("adaptive_avg_pool2d", &adaptive_avg_pool2d, arg("x"), arg("out_h"), arg("out_w"), Heavy());

  // --- normalisation, activations, losses ------------------------------------
  m.def(
      "batch_norm",
      [](const Tensor& x, py::object w, py::object b, py::object rm, py::object rv, bool training, double momentum,
         double eps) {
        return batch_norm(x, opt_tensor(w), opt_tensor(b), opt_tensor(rm), opt_tensor(rv), training, momentum, eps);
      },
      arg("x"), arg("weight") = py::none(), arg("bias") = py::none(), arg("running_mean") = py::none(),
      arg("running_var") = py::none(), arg("training") = true, arg("momentum") = 0.1, arg("eps") = 1e-5);
  m.def(
      "layer_norm",
      [](const Tensor& x, int64_t nd, py::object w, py::object b, double eps) {
        return layer_norm(x, nd, opt_tensor(w), opt_tensor(b), eps);
      },
      arg("x"), arg("normalized_dims"), arg("weight") = py::none(), arg("bias") = py::none(), arg("eps") = 1e-5);
  m.def("softmax", &softmax, arg("t"), arg("dim"));
  m.def("log_softmax", &log_softmax, arg("t"), arg("dim"));
  m.def("nll_loss", &nll_loss, arg("logp"), arg("target"));
  m.def("cross_entropy", &cross_entropy, arg("logits"), arg("target"));
  m.def("mse_loss", &mse_loss, arg("a"), arg("b"));
  m.def(
      "dropout",
      [](const Tensor& x, double p, bool training, Generator* g) {
        return dropout(x, p, training, g ? *g : default_generator());
      },
      arg("x"), arg("p"), arg("training") = true, arg("generator") = py::none());
  m.def("embedding", &embedding, arg("weight"), arg("indices"));

  // --- helpers -----------------------------------------------------------------
  m.def("sum_to", [](const Tensor& t, std::vector<int64_t> s) { return sum_to(t, s); }, arg("t"), arg("shape"));
  m.def("allclose", &allclose, arg("a"), arg("b"), arg("rtol") = 1e-5, arg("atol") = 1e-8);
}

}  // namespace tern::python
