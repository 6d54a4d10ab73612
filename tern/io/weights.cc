#include "tern/io/weights.h"

#include <cstring>
#include <map>

#include "tern/io/checkpoint.h"
#include "tern/io/sparse_checkpoint.h"
#include "tern/nn/init.h"

namespace tern::io {

namespace {

// Prefixes a wrapper module puts before the wrapped model's names.
constexpr const char* kWrapperPrefixes[] = {"model.", "module."};

bool is_excluded(const std::string& name, const std::vector<std::string>& exclude) {
  for (const std::string& e : exclude) {
    if (e.empty()) continue;
    if (name == e) return true;
    if (e.back() == '.' ? name.starts_with(e) : (name.starts_with(e) && name[e.size()] == '.')) return true;
  }
  return false;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// Fills the model from a sparse checkpoint: each parameter regenerated from
// its stored init, then its stored elements written over it; buffers dense.
void restore_sparse(const SparseCheckpoint& ck, nn::Module& model) {
  const std::string what = "checkpoint " + ck.path;
  std::map<std::string, const SparseTensor*> by_name;
  for (const SparseTensor& s : ck.sparse) by_name[s.name] = &s;
  const auto params = model.named_parameters();
  for (const auto& [name, t] : params)
    TERN_CHECK_T(IOError, by_name.count(name), what, ": the model expects tensor '", name, "', missing here");
  TERN_CHECK_T(IOError, by_name.size() == params.size(), what, ": holds ", by_name.size(), " sparse tensors, the model has ",
               params.size(), " parameters");
  std::vector<nn::init::InitSpec> specs;
  for (const auto& [name, t] : params) {
    const SparseTensor& s = *by_name[name];
    TERN_CHECK_T(IOError, s.shape == t.shape(), what, ": tensor '", name, "' has shape ", shape_str(s.shape),
                 ", the model expects ", shape_str(t.shape()));
    TERN_CHECK_T(IOError, t.dtype() == DType::f32, what, ": parameter '", name, "' is not f32");
    try {
      specs.push_back(nn::init::InitSpec::parse(s.init, what + ": metadata 'init." + name + "'"));
    } catch (const ValueError& e) {
      throw IOError(e.what());
    }
    TERN_CHECK_T(IOError, specs.back().regenerable(), what, ": metadata 'init.", name, "' is none");
  }
  // Everything checked: now write.
  assign_tensors(model.named_buffers(), ck.dense, what, "dense.");
  for (size_t p = 0; p < params.size(); ++p) {
    Tensor t = params[p].second;
    nn::init::regenerate_into(specs[p], t);
    const SparseTensor& s = *by_name[params[p].first];
    float* w = t.data<float>();
    for (size_t j = 0; j < s.indices.size(); ++j) w[s.indices[j]] = s.values.data<float>()[j];
  }
}

}  // namespace

std::string tern_name_for(const std::string& name, const std::set<std::string>& model_names) {
  if (name == "num_batches_tracked" || name.ends_with(".num_batches_tracked")) return "";
  std::vector<std::string> bases{name};
  for (const char* p : kWrapperPrefixes)
    if (name.starts_with(p)) bases.push_back(name.substr(std::strlen(p)));
  for (const std::string& b : bases)
    if (model_names.count(b)) return b;
  for (const std::string& b : bases) {
    const std::string torchvision = replace_all("." + b, ".downsample.", ".shortcut.").substr(1);
    if (model_names.count(torchvision)) return torchvision;
  }
  return name;
}

WeightsReport load_weights(const std::string& path, nn::Module& model, const WeightsOptions& options) {
  SafeTensorsFile file = load_safetensors(path);
  WeightsReport r;
  if (auto it = file.metadata.find("tern.model"); it != file.metadata.end()) r.model = it->second;
  TERN_CHECK(options.expect_model.empty() || r.model.empty() || r.model == options.expect_model, "checkpoint ", path,
             " holds a ", r.model, " model, not ", options.expect_model);
  if (is_sparse_checkpoint(file)) {
    TERN_CHECK(options.exclude.empty(), path,
               ": a Dropback sparse checkpoint restores the whole model; it cannot leave tensors out");
    restore_sparse(decode_sparse_checkpoint(file, path), model);
    r.kind = "sparse checkpoint";
    r.loaded = static_cast<int64_t>(model.state().size());
    return r;
  }
  const auto format = file.metadata.find("tern.format");
  const bool checkpoint = format != file.metadata.end();
  if (checkpoint && format->second != kCheckpointFormat)
    throw IOError(str_cat(path, ": checkpoint format '", format->second, "' is not the one this Tern reads ('",
                          kCheckpointFormat, "')"));
  r.kind = checkpoint ? "tern checkpoint" : "state dict";

  const NamedTensors state = model.state();
  std::set<std::string> names;
  std::map<std::string, Shape> shapes;
  NamedTensors dst;
  for (const auto& [name, t] : state) {
    names.insert(name);
    shapes[name] = t.shape();
    if (is_excluded(name, options.exclude)) r.kept.push_back(name);
    else dst.emplace_back(name, t);
  }
  NamedTensors src;
  for (auto& [name, t] : file.tensors) {
    if (checkpoint && name.starts_with("optim.")) {
      ++r.ignored;
      continue;
    }
    const std::string mapped = tern_name_for(name, names);
    if (mapped.empty() || (names.count(mapped) && is_excluded(mapped, options.exclude))) {
      ++r.ignored;
      continue;
    }
    if (mapped != name && !(checkpoint && "model." + mapped == name)) ++r.renamed;
    if (auto s = shapes.find(mapped); s != shapes.end() && s->second != t.shape()) {
      const std::string head = mapped.substr(0, mapped.find('.'));
      TERN_FAIL("weights ", path, ": tensor '", name, "' has shape ", shape_str(t.shape()), ", the model's '", mapped,
                "' is ", shape_str(s->second), "; to keep the model's own (e.g. a new classifier head), exclude '",
                head, "'");
    }
    src.emplace_back(mapped, std::move(t));
  }
  assign_tensors(dst, src, "weights " + path);
  r.loaded = static_cast<int64_t>(dst.size());
  return r;
}

}  // namespace tern::io
