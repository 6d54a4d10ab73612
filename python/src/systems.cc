// The seed systems' entry points, scriptable: tern.codec (3LC and the other
// gradient codecs), tern.dv (TFDV-style statistics, schema inference,
// validation), tern.ci (ease.ml/ci's sample-size planner). Each binding
// converts its arguments, calls the library function the CLI calls, and
// returns plain Python values (JSON-shaped results become dicts).
#include <nlohmann/json.hpp>
#include <optional>

#include "python/src/bindings.h"
#include "tern/distributed/compress/codec.h"
#include "tern/dv/infer.h"
#include "tern/dv/schema.h"
#include "tern/dv/sources.h"
#include "tern/dv/workflow.h"
#include "tern/mlci/workflow.h"

namespace tern::python {
namespace {

namespace compress = tern::distributed::compress;

// A codec with its error-feedback state: successive encode() calls carry the
// residual, as a worker's pushes do.
class PyCodec {
 public:
  PyCodec(const std::string& name, const std::map<std::string, std::string>& args)
      : name_(name), codec_(compress::make_codec(name, compress::CodecArgs(args))) {}
  py::bytes encode(const py::array_t<float, py::array::c_style | py::array::forcecast>& x) {
    std::vector<uint8_t> out;
    {
      py::gil_scoped_release release;
      codec_->encode(std::span<const float>(x.data(), static_cast<size_t>(x.size())), state_, out);
    }
    return py::bytes(reinterpret_cast<const char*>(out.data()), out.size());
  }
  py::array_t<float> decode(const py::bytes& stream, int64_t n) const {
    TERN_CHECK(n >= 0, "decode: expected a non-negative element count, given ", n);
    const std::string_view s = stream;
    py::array_t<float> out(n);
    codec_->decode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()),
                   std::span<float>(out.mutable_data(), static_cast<size_t>(n)));
    return out;
  }
  std::string describe() const { return codec_->describe(); }
  int64_t max_encoded_size(int64_t n) const { return codec_->max_encoded_size(n); }
  bool error_feedback() const { return codec_->error_feedback(); }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::unique_ptr<compress::Codec> codec_;
  compress::CodecState state_;
};

}  // namespace

void init_systems(py::module_& m) {
  auto codec = m.def_submodule("codec", "gradient codecs (tern/distributed/compress): 3LC, top-k, fp16, ...");
  codec.def("names", [] { return compress::codec_registry().names(); }, "the codec names (tern codec list)");
  py::class_<PyCodec>(codec, "Codec")
      .def(py::init<const std::string&, const std::map<std::string, std::string>&>(), py::arg("name"),
           py::arg("args") = std::map<std::string, std::string>{})
      .def("encode", &PyCodec::encode, py::arg("x"), "float32 values -> the codec's byte stream (error feedback kept)")
      .def("decode", &PyCodec::decode, py::arg("stream"), py::arg("n"), "a stream of n values -> float32 array")
      .def("describe", &PyCodec::describe)
      .def("max_encoded_size", &PyCodec::max_encoded_size, py::arg("n"))
      .def_property_readonly("error_feedback", &PyCodec::error_feedback)
      .def_property_readonly("name", &PyCodec::name);

  auto dv = m.def_submodule("dv", "data validation (tern/dv): statistics, schemas, anomalies");
  dv.def(
      "stats", [](const std::string& data) { return json_to_python(dv::to_json(dv::compute_stats(data))); },
      py::arg("data"), "statistics of a CSV file or fashion-mnist[:train|:test], as a dict");
  dv.def(
      "infer_schema",
      [](const std::string& data) { return dv::print_schema(dv::infer_schema(dv::compute_stats(data))); },
      py::arg("data"), "a schema (TFDV's text format) inferred from the data's statistics");
  dv.def(
      "validate",
      [](const std::string& data, const std::string& schema, const std::string& previous, const std::string& serving) {
        const dv::ValidationRun r = dv::validate_data(data, schema, previous, serving, {});
        py::dict out;
        out["stats"] = json_to_python(dv::to_json(r.stats));
        out["anomalies"] = json_to_python(dv::to_json(r.anomalies));
        return out;
      },
      py::arg("data"), py::arg("schema"), py::arg("previous") = "", py::arg("serving") = "",
      "anomalies of `data` against a schema file (drift against `previous`, skew against `serving`)");

  auto ci = m.def_submodule("ci", "ML continuous integration with statistical guarantees (tern/mlci, ease.ml/ci)");
  ci.def(
      "samples",
      [](const std::string& condition, double reliability, const std::string& mode, const std::string& adaptivity,
         int64_t steps, std::optional<double> d_bound) {
        mlci::SamplesRequest r;
        r.d_bound = d_bound;
        r.condition = condition;
        r.reliability = reliability;
        r.mode = mode;
        r.adaptivity = adaptivity;
        r.steps = steps;
        const mlci::SamplesReport s = mlci::plan_samples(r);
        py::dict out;
        out["hoeffding_examples"] = s.hoeffding.examples;
        out["hoeffding_labels"] = s.hoeffding.labels;
        out["optimised_examples"] = s.optimised.examples;
        out["optimised_labels"] = s.optimised.labels;
        out["label_saving"] = s.label_saving;
        return out;
      },
      py::arg("condition"), py::arg("reliability") = 0.999, py::arg("mode") = "fp-free",
      py::arg("adaptivity") = "full", py::arg("steps") = 32, py::arg("d_bound") = py::none(),
      "examples and labels a condition such as 'n - o > 0.02 +/- 0.01' needs (tern ci samples)");
}

}  // namespace tern::python
