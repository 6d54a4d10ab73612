// tern._C.io: safetensors files (what state_dict() saves to) and Tern
// checkpoints / PyTorch state dicts loaded into a module by name.
#include "python/src/bindings.h"
#include "tern/io/safetensors.h"
#include "tern/io/weights.h"
#include "tern/nn/module.h"

namespace tern::python {

void init_io(py::module_& m) {
  using py::arg;
  m.def(
      "save_safetensors",
      [](const std::string& path, const io::NamedTensors& tensors, const io::Metadata& meta) {
        io::save_safetensors(path, tensors, meta);
      },
      arg("path"), arg("tensors"), arg("metadata") = io::Metadata{});
  m.def(
      "load_safetensors",
      [](const std::string& path) {
        io::SafeTensorsFile f = io::load_safetensors(path);
        return py::make_tuple(f.tensors, f.metadata);
      },
      arg("path"), "(tensors as [(name, tensor)] in file order, metadata)");
  m.def(
      "load_weights",
      [](const std::string& path, nn::Module& model, std::vector<std::string> exclude) {
        io::WeightsOptions o;
        o.exclude = std::move(exclude);
        io::WeightsReport r = io::load_weights(path, model, o);
        py::dict out;
        out["kind"] = r.kind;
        out["model"] = r.model;
        out["loaded"] = r.loaded;
        out["renamed"] = r.renamed;
        out["ignored"] = r.ignored;
        out["kept"] = r.kept;
        return out;
      },
      arg("path"), arg("model"), arg("exclude") = std::vector<std::string>{});
}

}  // namespace tern::python
