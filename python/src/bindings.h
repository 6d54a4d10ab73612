// Shared by the binding files of tern._C: one init function per area, and
// the conversions between Python values and Tern's vocabulary types.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "tern/core/tensor.h"

// Tensor's caster, as pybind11's generic one but with the registered type
// looked up once: the stock caster hashes the type's name on every argument
// and every result (two hash lookups each), a third of a small op's binding
// cost. Declared here, before any binding file uses Tensor, so every
// translation unit sees the same caster.
namespace pybind11::detail {
template <>
class type_caster<tern::Tensor> : public type_caster_generic {
 public:
  static constexpr auto name = const_name<tern::Tensor>();
  type_caster() : type_caster_generic(tensor_type()) {}

  static handle cast(const tern::Tensor& src, return_value_policy policy, handle parent) {
    if (policy == return_value_policy::automatic || policy == return_value_policy::automatic_reference)
      policy = return_value_policy::copy;
    return cast(&src, policy, parent);
  }
  static handle cast(tern::Tensor&& src, return_value_policy, handle parent) {
    return cast(&src, return_value_policy::move, parent);
  }
  static handle cast(const tern::Tensor* src, return_value_policy policy, handle parent) {
    return type_caster_generic::cast(src, policy, parent, tensor_type(), copy, move);
  }
  template <typename T>
  using cast_op_type = detail::cast_op_type<T>;
  operator tern::Tensor*() { return static_cast<tern::Tensor*>(value); }
  operator tern::Tensor&() {
    if (!value) throw reference_cast_error();
    return *static_cast<tern::Tensor*>(value);
  }

 private:
  // Not cached while the class is not registered yet (null).
  static const type_info* tensor_type() {
    static const type_info* cached = nullptr;
    if (!cached) cached = get_type_info(typeid(tern::Tensor));
    return cached;
  }
  static void* copy(const void* p) { return new tern::Tensor(*static_cast<const tern::Tensor*>(p)); }
  static void* move(const void* p) {
    return new tern::Tensor(std::move(*const_cast<tern::Tensor*>(static_cast<const tern::Tensor*>(p))));
  }
};
}  // namespace pybind11::detail

namespace tern {
class Args;
namespace train {
struct TrainOptions;
}
}  // namespace tern

namespace tern::python {

namespace py = pybind11;

void init_tensor(py::module_& m);
void init_ops(py::module_& m);
void init_autograd(py::module_& m);
void init_nn(py::module_& m);
void init_optim(py::module_& m);
void init_data(py::module_& m);
void init_io(py::module_& m);
void init_function(py::module_& m);
void init_systems(py::module_& m);  // tern.codec, tern.dv, tern.ci
void init_dist(py::module_& m);     // tern.dist
void init_train(py::module_& m);    // tern.train
// Last: replaces the hottest op bindings by fast paths (fast_calls.cc).
void init_fast_calls(py::module_& m);

// Shapes go out as tuples, as NumPy's do.
py::tuple shape_tuple(const Dims& d);
// A NumPy array as a Tensor: shared when its strides are whole elements and
// non-negative and it is writeable, else a contiguous copy.
Tensor from_numpy(const py::array& a);
// The tensor's data as a NumPy array sharing its memory (the array keeps the
// tensor alive). bf16 has no NumPy dtype: a TypeError.
py::array to_numpy(const Tensor& t);
// True for a leaf that requires grad and for every result of a recorded op
// (the library marks only leaves; results carry a grad_fn).
inline bool needs_grad(const Tensor& t) { return t.requires_grad() || !t.is_leaf(); }
// A Tensor from a Tensor, a NumPy array, or a Python scalar / nested list.
Tensor as_tensor(py::handle h);
// A JSON value (a library report) as the Python value json.loads gives.
py::object json_to_python(const nlohmann::json& j);

// TrainOptions from keyword arguments named like `tern train`'s flags
// (batch_size for --batch-size; optimizer_arg takes a dict). A keyword that
// is no option goes to `flags` (as its flag, "servers" -> servers=VALUE; a
// False switch is left out) when `is_flag` accepts it, else it is a
// TypeError naming `function`.
train::TrainOptions train_options(const py::dict& kwargs, const std::string& function,
                                  const std::function<bool(const std::string&)>& is_flag, Args* flags);
// The keywords train_options reads itself.
std::vector<std::string> train_option_names();
// A Python keyword as a CLI flag's key ("codec_arg" -> "codec-arg"), and the
// flag set from a keyword argument as the command line would give it (True
// for a switch, False leaves it out; a list joins with commas, a dict
// becomes "k=v,k=v").
std::string flag_key(const std::string& keyword);
void set_flag(Args& flags, const std::string& keyword, py::handle value);

}  // namespace tern::python
