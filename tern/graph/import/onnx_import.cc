#include "tern/graph/import/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "tern/base/error.h"
#include "tern/graph/import/onnx_kernels.h"

namespace tern::graph {

namespace {

// Largest initializer or Constant accepted (elements): far above any
// classifier's layer, far below what a corrupt dims field could ask for.
constexpr int64_t kMaxElements = int64_t{1} << 31;

DType dtype_of(int32_t onnx_type, const std::string& what) {
  switch (onnx_type) {
    case onnx::TensorProto::FLOAT: return DType::f32;
    case onnx::TensorProto::DOUBLE: return DType::f64;
    case onnx::TensorProto::INT32: return DType::i32;
    case onnx::TensorProto::INT64: return DType::i64;
    case onnx::TensorProto::UINT8: return DType::u8;
    case onnx::TensorProto::BOOL: return DType::boolean;
    default: break;
  }
  throw IOError(str_cat(what, ": element type ", onnx_type,
                        " is not one Tern reads (float, double, int32, int64, uint8, bool)"));
}

// An initializer or Constant value as a Tern tensor, its size checked
// against its dims whichever field holds the data.
Tensor tensor_of(const onnx::TensorProto& p, const std::string& what) {
  TERN_CHECK_T(IOError, !p.has_data_location() || p.data_location() == onnx::TensorProto::DEFAULT, what,
               ": data stored outside the file (external data) is not supported");
  const DType dtype = dtype_of(p.data_type(), what);
  Shape shape;
  int64_t n = 1;
  for (int64_t d : p.dims()) {
    TERN_CHECK_T(IOError, d >= 0 && d <= kMaxElements && n <= kMaxElements / std::max<int64_t>(d, 1), what,
                 ": dims are negative or too large");
    shape.push_back(d);
    n *= d;
  }
  Tensor t = Tensor::empty(shape, dtype);
  const size_t bytes = static_cast<size_t>(t.nbytes());
  if (p.has_raw_data()) {
    TERN_CHECK_T(IOError, p.raw_data().size() == bytes, what, ": raw_data holds ", p.raw_data().size(),
                 " bytes, dims ", shape_str(shape), " need ", bytes);
    if (bytes) std::memcpy(t.raw_data(), p.raw_data().data(), bytes);
    return t;
  }
  auto fill = [&](const auto& field, auto convert) {
    TERN_CHECK_T(IOError, static_cast<int64_t>(field.size()) == n, what, ": holds ", field.size(),
                 " values, dims ", shape_str(shape), " need ", n);
    for (int64_t i = 0; i < n; ++i) convert(i, field.Get(static_cast<int>(i)));
  };
  switch (dtype) {
    case DType::f32: fill(p.float_data(), [&](int64_t i, float v) { t.data<float>()[i] = v; }); break;
    case DType::f64: fill(p.double_data(), [&](int64_t i, double v) { t.data<double>()[i] = v; }); break;
    case DType::i64: fill(p.int64_data(), [&](int64_t i, int64_t v) { t.data<int64_t>()[i] = v; }); break;
    case DType::i32: fill(p.int32_data(), [&](int64_t i, int32_t v) { t.data<int32_t>()[i] = v; }); break;
    case DType::u8: fill(p.int32_data(), [&](int64_t i, int32_t v) { t.data<uint8_t>()[i] = static_cast<uint8_t>(v); }); break;
    case DType::boolean: fill(p.int32_data(), [&](int64_t i, int32_t v) { t.data<bool>()[i] = v != 0; }); break;
    default: throw IOError(str_cat(what, ": unsupported element type"));
  }
  return t;
}

OnnxValueInfo info_of(const onnx::ValueInfoProto& v, const std::string& source) {
  OnnxValueInfo info;
  info.name = v.name();
  if (v.type().has_tensor_type()) {
    const auto& tt = v.type().tensor_type();
    info.dtype = dtype_of(tt.elem_type(), source + ": value '" + v.name() + "'");
    for (const auto& d : tt.shape().dim()) info.dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
  }
  return info;
}

}  // namespace

struct OnnxModel::Impl {
  std::string source;
  int64_t opset = 0;
  std::vector<OnnxNode> nodes;
  std::map<std::string, Tensor> initializers;
  std::vector<OnnxValueInfo> inputs, outputs;
};

OnnxModel::OnnxModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxModel::~OnnxModel() = default;
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;

const std::vector<OnnxValueInfo>& OnnxModel::inputs() const { return impl_->inputs; }
const std::vector<OnnxValueInfo>& OnnxModel::outputs() const { return impl_->outputs; }
size_t OnnxModel::node_count() const { return impl_->nodes.size(); }
int64_t OnnxModel::opset() const { return impl_->opset; }

OnnxModel OnnxModel::load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  TERN_CHECK_T(IOError, f.good(), path, ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  TERN_CHECK_T(IOError, !f.bad(), path, ": read failed");
  return parse(ss.str(), path);
}

OnnxModel OnnxModel::parse(std::string_view bytes, const std::string& source) {
  onnx::ModelProto proto;
  TERN_CHECK_T(IOError, bytes.size() < (size_t{1} << 31) && proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())),
               source, ": not an ONNX model (the protobuf does not parse)");
  TERN_CHECK_T(IOError, proto.has_graph() && proto.graph().node_size() > 0, source,
               ": not an ONNX model (no graph, or a graph without nodes)");
  auto impl = std::make_unique<Impl>();
  impl->source = source;
  for (const auto& o : proto.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") impl->opset = o.version();
  TERN_CHECK_T(IOError, impl->opset > 0, source, ": no opset for the default ONNX domain");

  const onnx::GraphProto& g = proto.graph();
  std::set<std::string> defined;
  for (int i = 0; i < g.initializer_size(); ++i) {
    const auto& init = g.initializer(i);
    const std::string what = source + ": initializer '" + init.name() + "'";
    TERN_CHECK_T(IOError, !init.name().empty() && !impl->initializers.count(init.name()), what,
                 init.name().empty() ? " has no name" : " is defined twice");
    impl->initializers[init.name()] = tensor_of(init, what);
    defined.insert(init.name());
  }
  for (const auto& v : g.input()) {
    if (impl->initializers.count(v.name())) continue;  // IR < 4 lists initializers as inputs too
    TERN_CHECK_T(IOError, !v.name().empty() && !defined.count(v.name()), source, ": graph input '", v.name(),
                 "' is unnamed or defined twice");
    impl->inputs.push_back(info_of(v, source));
    defined.insert(v.name());
  }
  TERN_CHECK_T(IOError, g.output_size() > 0, source, ": the graph has no outputs");

  std::map<std::string, int> unsupported;
  const auto& ops = supported_onnx_ops();
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    OnnxNode node;
    node.op = n.op_type();
    node.name = n.name().empty() ? str_cat(n.op_type(), "#", i) : n.name();
    const std::string what = str_cat(source, ": node '", node.name, "' (", node.op, ")");
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      ++unsupported[n.domain() + "." + n.op_type()];
      continue;
    }
    if (!std::binary_search(ops.begin(), ops.end(), node.op)) ++unsupported[node.op];
    for (const std::string& in : n.input()) {
      TERN_CHECK_T(IOError, in.empty() || defined.count(in), what, ": input '", in,
                   "' is not defined by an earlier node, an input or an initializer");
      node.inputs.push_back(in);
    }
    for (const std::string& out : n.output()) {
      TERN_CHECK_T(IOError, out.empty() || !defined.count(out), what, ": output '", out, "' is defined twice");
      if (!out.empty()) defined.insert(out);
      node.outputs.push_back(out);
    }
    for (const onnx::AttributeProto& a : n.attribute()) {
      OnnxAttr attr;
      switch (a.type()) {
        case onnx::AttributeProto::INT: attr.ints = {a.i()}; attr.kind = OnnxAttr::Kind::int_; break;
        case onnx::AttributeProto::INTS: attr.ints.assign(a.ints().begin(), a.ints().end()); attr.kind = OnnxAttr::Kind::ints; break;
        case onnx::AttributeProto::FLOAT: attr.floats = {a.f()}; attr.kind = OnnxAttr::Kind::float_; break;
        case onnx::AttributeProto::FLOATS: attr.floats.assign(a.floats().begin(), a.floats().end()); attr.kind = OnnxAttr::Kind::floats; break;
        case onnx::AttributeProto::STRING: attr.s = a.s(); attr.kind = OnnxAttr::Kind::string; break;
        case onnx::AttributeProto::TENSOR:
          attr.tensor = tensor_of(a.t(), what + ": attribute '" + a.name() + "'");
          attr.kind = OnnxAttr::Kind::tensor;
          break;
        default: attr.kind = OnnxAttr::Kind::other; break;  // graphs, sparse tensors: no imported op reads them
      }
      node.attrs[a.name()] = std::move(attr);
    }
    impl->nodes.push_back(std::move(node));
  }
  if (!unsupported.empty()) {
    std::string list;
    for (const auto& [op, count] : unsupported) list += str_cat(list.empty() ? "" : ", ", op, count > 1 ? str_cat(" (", count, " nodes)") : "");
    std::string known;
    for (const std::string& op : ops) known += (known.empty() ? "" : " ") + op;
    TERN_FAIL(source, ": ONNX ops Tern does not import: ", list, "; Tern imports ", known);
  }
  for (const auto& v : g.output()) {
    TERN_CHECK_T(IOError, defined.count(v.name()), source, ": graph output '", v.name(), "' is never computed");
    impl->outputs.push_back(info_of(v, source));
  }
  return OnnxModel(std::move(impl));
}

std::vector<Tensor> OnnxModel::run(const std::vector<Tensor>& inputs) const {
  const Impl& m = *impl_;
  TERN_CHECK(inputs.size() == m.inputs.size(), m.source, ": the model takes ", m.inputs.size(), " inputs, given ",
             inputs.size());
  std::map<std::string, Tensor> env = m.initializers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const OnnxValueInfo& info = m.inputs[i];
    TERN_CHECK(inputs[i].dtype() == info.dtype, m.source, ": input '", info.name, "' must be ", dtype_name(info.dtype),
               ", given ", dtype_name(inputs[i].dtype()));
    bool fits = info.dims.empty() || info.dims.size() == inputs[i].shape().size();
    for (size_t d = 0; fits && d < info.dims.size(); ++d) fits = info.dims[d] < 0 || info.dims[d] == inputs[i].size(d);
    std::string want;
    for (int64_t d : info.dims) want += str_cat(want.empty() ? "" : ", ", d < 0 ? std::string("?") : std::to_string(d));
    TERN_CHECK(fits, m.source, ": input '", info.name, "' must have shape [", want, "], given ",
               shape_str(inputs[i].shape()));
    env[info.name] = inputs[i];
  }
  for (const OnnxNode& node : m.nodes) {
    std::vector<Tensor> in;
    for (const std::string& name : node.inputs) in.push_back(name.empty() ? Tensor() : env.at(name));
    std::vector<Tensor> out;
    try {
      out = run_onnx_node(node, in, m.opset);
    } catch (const Error& e) {
      TERN_FAIL(m.source, ": node '", node.name, "' (", node.op, "): ", e.what());
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i].empty()) continue;
      TERN_CHECK(i < out.size(), m.source, ": node '", node.name, "' (", node.op, "): output ", i,
                 " is not computed by Tern (only the first ", out.size(), ")");
      env[node.outputs[i]] = out[i];
    }
  }
  std::vector<Tensor> result;
  for (const OnnxValueInfo& o : m.outputs) result.push_back(env.at(o.name));
  return result;
}

}  // namespace tern::graph
