// tern.train: the library's training run (what `tern train` runs) from
// Python, with its options as keyword arguments named like the CLI's flags
// (`batch_size=64` for --batch-size). The run happens in C++ without the GIL;
// the result is the dict `tern train --json` prints. tern.dist.train (dist.cc)
// adds the distributed strategies' flags through train_options() below.
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "python/src/bindings.h"
#include "tern/base/args.h"
#include "tern/base/error.h"
#include "tern/train/report.h"
#include "tern/train/trainer.h"

namespace tern::python {
namespace {

using train::TrainOptions;
using Setter = std::function<void(TrainOptions&, py::handle)>;

template <typename T>
Setter field(T TrainOptions::*member) {
  return [member](TrainOptions& o, py::handle v) { o.*member = v.cast<T>(); };
}
template <typename T>
Setter optional_field(std::optional<T> TrainOptions::*member) {
  return [member](TrainOptions& o, py::handle v) {
    if (v.is_none()) o.*member = std::nullopt;
    else o.*member = v.cast<T>();
  };
}

// "key=value" settings: a dict, or a list of "k=v" strings as on the command line.
std::vector<std::string> settings(py::handle v) {
  if (!py::isinstance<py::dict>(v)) return v.cast<std::vector<std::string>>();
  std::vector<std::string> out;
  for (auto [k, value] : v.cast<py::dict>()) out.push_back(py::str(k).cast<std::string>() + "=" + py::str(value).cast<std::string>());
  return out;
}

// Every TrainOptions field a caller may set, by its keyword.
const std::map<std::string, Setter>& setters() {
  static const std::map<std::string, Setter> s = {
      {"model", field(&TrainOptions::model)},
      {"dataset", field(&TrainOptions::dataset)},
      {"data_dir", field(&TrainOptions::data_dir)},
      {"data", field(&TrainOptions::data)},
      {"loader_workers", field(&TrainOptions::loader_workers)},
      {"epochs", field(&TrainOptions::epochs)},
      {"batch_size", field(&TrainOptions::batch_size)},
      {"optimizer", field(&TrainOptions::optimizer)},
      {"optimizer_arg", [](TrainOptions& o, py::handle v) { o.optimizer_args = settings(v); }},
      {"lr", field(&TrainOptions::lr)},
      {"momentum", field(&TrainOptions::momentum)},
      {"weight_decay", field(&TrainOptions::weight_decay)},
      {"nesterov", field(&TrainOptions::nesterov)},
      {"schedule", field(&TrainOptions::schedule)},
      {"warmup_epochs", field(&TrainOptions::warmup_epochs)},
      {"seed", field(&TrainOptions::seed)},
      {"threads", field(&TrainOptions::threads)},
      {"augment", field(&TrainOptions::augment)},
      {"checkpoint", field(&TrainOptions::checkpoint)},
      {"resume", field(&TrainOptions::resume)},
      {"init_from", field(&TrainOptions::init_from)},
      {"init_exclude", field(&TrainOptions::init_exclude)},
      {"dump_grads", field(&TrainOptions::dump_grads)},
      {"dump_every", field(&TrainOptions::dump_every)},
      {"synthetic_size", field(&TrainOptions::synthetic_size)},
      {"loss_log", field(&TrainOptions::loss_log)},
      {"log_dir", field(&TrainOptions::log_dir)},
      {"progress", field(&TrainOptions::progress)},
      {"dropback_k", optional_field(&TrainOptions::dropback_k)},
      {"dropback_ratio", optional_field(&TrainOptions::dropback_ratio)},
      {"dropback_freeze", optional_field(&TrainOptions::dropback_freeze)},
      {"dropback_baseline", field(&TrainOptions::dropback_baseline)},
  };
  return s;
}

// A flag's value as the command line would give it: a list joins with
// commas, a dict becomes "k=v,k=v" (codec_arg={"rank": 2}).
std::string flag_value(py::handle v) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>() ? "true" : "false";
  std::string joined;
  const auto append = [&joined](const std::string& part) {
    if (!joined.empty()) joined += ',';
    joined += part;
  };
  if (py::isinstance<py::dict>(v)) {
    for (auto [key, value] : v.cast<py::dict>())
      append(py::str(key).cast<std::string>() + "=" + py::str(value).cast<std::string>());
    return joined;
  }
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    for (py::handle item : v) append(py::str(item).cast<std::string>());
    return joined;
  }
  return py::str(v).cast<std::string>();
}

py::object epoch_dict(const train::EpochResult& e) {
  py::dict d;
  d["epoch"] = e.epoch;
  d["train_loss"] = e.train_loss;
  d["test_accuracy"] = e.test_accuracy;
  d["samples_per_second"] = e.samples_per_second;
  d["seconds"] = e.seconds;
  d["step_ms"] = e.step_ms;
  d["loader_wait_ms"] = e.loader_wait_ms;
  return d;
}

}  // namespace

std::vector<std::string> train_option_names() {
  std::vector<std::string> out;
  for (const auto& [name, set] : setters()) out.push_back(name);
  return out;
}

TrainOptions train_options(const py::dict& kwargs, const std::string& function,
                           const std::function<bool(const std::string&)>& is_flag, Args* flags) {
  TrainOptions o;
  for (auto [k, v] : kwargs) {
    const std::string key = py::str(k).cast<std::string>();
    auto it = setters().find(key);
    if (it != setters().end()) {
      try {
        it->second(o, v);
      } catch (const py::cast_error&) {
        throw TypeError(str_cat(function, "(): ", key, " cannot be ", py::str(py::type::of(v).attr("__name__")).cast<std::string>()));
      }
      continue;
    }
    TERN_CHECK_TYPE(flags && is_flag(flag_key(key)), function, "() got an unexpected keyword argument '", key, "'");
    set_flag(*flags, key, v);
  }
  return o;
}

std::string flag_key(const std::string& keyword) {
  std::string flag = keyword;
  for (char& c : flag)
    if (c == '_') c = '-';
  return flag;
}

void set_flag(Args& flags, const std::string& keyword, py::handle value) {
  if (py::isinstance<py::bool_>(value) && !value.cast<bool>()) return;  // a switch left off
  flags.set(flag_key(keyword), flag_value(value));
}

py::object json_to_python(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

void init_train(py::module_& m) {
  m.def(
      "train",
      [](py::object on_epoch, const py::kwargs& kwargs) {
        const TrainOptions opt = train_options(kwargs, "train", {}, nullptr);
        std::function<void(const train::EpochResult&)> callback;
        if (!on_epoch.is_none())
          callback = [&on_epoch](const train::EpochResult& e) {
            py::gil_scoped_acquire gil;
            on_epoch(epoch_dict(e));
          };
        train::TrainResult r;
        {
          py::gil_scoped_release nogil;
          r = train::train(opt, callback);
        }
        return json_to_python(train::result_json(opt, r));
      },
      py::arg("on_epoch") = py::none(),
      "trains a zoo model as `tern train` does; keyword arguments are its flags (batch_size=64 for --batch-size)");
  m.def("train_option_names", &train_option_names);
}

}  // namespace tern::python
