// Graph -> ONNX ModelProto: inputs, initializers, nodes (onnx_ops.cc), outputs.
#include "tern/graph/export/onnx_export.h"

#include <cstdio>
#include <fstream>
#include <set>

#include "tern/graph/export/onnx_builder.h"
#include "tern/graph/verify.h"

namespace tern::graph {

namespace {

using onnx_export::Builder;

// dtype and shape of a graph input or output; -1 dims become the symbol's
// dim_param where known, else stay unknown.
void set_type(onnx::ValueInfoProto* info, const Value& v, const std::vector<int>* symbols,
              const std::vector<std::string>& symbol_names) {
  onnx::TypeProto_Tensor* t = info->mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx_export::onnx_elem_type(v.dtype));
  onnx::TensorShapeProto* shape = t->mutable_shape();
  for (size_t d = 0; d < v.shape.size(); ++d) {
    onnx::TensorShapeProto_Dimension* dim = shape->add_dim();
    if (v.shape[d] >= 0) dim->set_dim_value(v.shape[d]);
    else if (symbols && d < symbols->size() && (*symbols)[d] >= 0) dim->set_dim_param(symbol_names[static_cast<size_t>((*symbols)[d])]);
  }
}

std::string default_name(const std::vector<std::string>& names, size_t k, const char* prefix) {
  return k < names.size() ? names[k] : str_cat(prefix, k);
}

// Extra outputs (batch norm's saved statistics, max pooling's indices) only
// feed gradient ops; an inference graph must not read them.
void check_extra_outputs_unused(const Graph& g) {
  std::set<int> read(g.outputs().begin(), g.outputs().end());
  for (const Node& n : g.nodes()) read.insert(n.inputs.begin(), n.inputs.end());
  for (const Node& n : g.nodes())
    for (size_t k = 1; k < n.outputs.size(); ++k)
      TERN_CHECK_T(NotImplementedError, !read.count(n.outputs[k]), "onnx export: output ", k, " of op ", op_name(n.kind),
                   " (node ", n.id, ") is read, but only its first output has an ONNX mapping");
}

}  // namespace

bool onnx_available() { return true; }

std::string to_onnx(const Graph& g, const OnnxOptions& options) {
  verify(g);
  check_extra_outputs_unused(g);
  onnx::ModelProto model;
  model.set_ir_version(7);  // IR 7 (ONNX 1.8) is the oldest that carries opset 13
  model.set_producer_name("tern");
  model.set_producer_version("0.1.0");
  onnx::OperatorSetIdProto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  onnx::GraphProto* proto = model.mutable_graph();
  proto->set_name(options.graph_name);
  Builder b(g, proto);

  std::vector<std::string> symbol_names = options.symbol_names;
  for (size_t j = symbol_names.size(); j < static_cast<size_t>(g.num_symbols()); ++j) symbol_names.push_back(str_cat("s", j));
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const Value& v = g.value(g.inputs()[i]);
    b.set_name(v.id, default_name(options.input_names, i, "input"));
    onnx::ValueInfoProto* info = proto->add_input();
    info->set_name(b.name(v.id));
    set_type(info, v, i < g.input_symbols().size() ? &g.input_symbols()[i] : nullptr, symbol_names);
  }
  // Captures: initializers, named after the tensor when it has a unique name.
  std::set<std::string> used;
  for (const Value& v : g.values()) {
    if (v.kind != ValueKind::capture) continue;
    const auto given = options.tensor_names.find(v.captured.impl());
    const std::string& own = given != options.tensor_names.end() ? given->second : v.captured.impl()->name;
    b.set_name(v.id, !own.empty() && used.insert(own).second ? own : str_cat("const", v.id));
    b.add_initializer(b.name(v.id), v.captured);
  }
  // A graph output that a node makes is named after the output directly; an
  // input, a capture or a repeated output goes through an Identity.
  std::vector<std::string> out_names;
  std::vector<int> identity_from;
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const int id = g.outputs()[k];
    out_names.push_back(default_name(options.output_names, k, "output"));
    const bool own = g.value(id).kind == ValueKind::node_output && !used.count(b.name(id)) &&
                     b.name(id) == str_cat("v", id);
    if (own) b.set_name(id, out_names.back());
    identity_from.push_back(own ? -1 : id);
    used.insert(out_names.back());
  }
  for (const Node& n : g.nodes()) onnx_export::emit(b, n);
  for (size_t k = 0; k < g.outputs().size(); ++k) {
    const Value& v = g.value(g.outputs()[k]);
    if (identity_from[k] >= 0) b.node("Identity", {b.name(identity_from[k])}, {out_names[k]});
    onnx::ValueInfoProto* info = proto->add_output();
    info->set_name(out_names[k]);
    set_type(info, v, nullptr, symbol_names);
  }
  std::string bytes;
  TERN_ASSERT(model.SerializeToString(&bytes), "onnx export: protobuf serialisation failed");
  return bytes;
}

void save_onnx(const std::string& bytes, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    TERN_CHECK(out.good(), "onnx export: cannot write ", tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    TERN_CHECK(out.good(), "onnx export: writing ", tmp, " failed");
  }
  TERN_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "onnx export: cannot rename ", tmp, " to ", path);
}

}  // namespace tern::graph
