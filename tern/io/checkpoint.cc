#include "tern/base/parse.h"
#include "tern/io/checkpoint.h"

#include <charconv>
#include <cstring>
#include <map>

#include "tern/autograd/grad_mode.h"
#include "tern/ops/ops.h"

namespace tern::io {

namespace {

constexpr const char* kReserved[] = {"tern.format", "tern.model", "tern.optimizer", "tern.step", "tern.epoch"};

bool is_reserved(const std::string& key) {
  for (const char* r : kReserved)
    if (key == r) return true;
  return false;
}

int64_t parse_int(const Metadata& m, const char* key, const std::string& path) {
  auto it = m.find(key);
  if (it == m.end()) return 0;
  const std::string& s = it->second;
  try {
    return tern::parse_int(s, str_cat(path, ": metadata '", key, "'"), {.min = 0});
  } catch (const ValueError& e) {
    throw IOError(e.what());  // a damaged file, not a bad argument
  }
}

// Quoted, comma-separated names, at most 8 then a count.
std::string name_list(const std::vector<std::string>& names, const std::string& prefix) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < 8; ++i) s += (i ? ", '" : "'") + prefix + names[i] + "'";
  if (names.size() > 8) s += str_cat(" and ", names.size() - 8, " more");
  return s;
}

// Writes the contiguous `src` (same dtype and numel) into `dst`, which may be a strided view.
void write_into(const Tensor& src, const Tensor& dst) {
  const size_t item = itemsize(dst.dtype());
  const char* s = static_cast<const char*>(src.raw_data());
  if (dst.is_contiguous()) {
    std::memmove(dst.raw_data(), s, src.nbytes());  // src may be dst itself
    return;
  }
  char* base = static_cast<char*>(dst.storage()->data());
  const int64_t n = dst.numel(), nd = dst.dim();
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = dst.offset(), rest = i;
    for (int64_t d = nd - 1; d >= 0; --d) {
      off += (rest % dst.shape()[d]) * dst.strides()[d];
      rest /= dst.shape()[d];
    }
    std::memcpy(base + off * item, s + i * item, item);
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const NamedTensors& model, const NamedTensors& optim,
                     const CheckpointMeta& meta) {
  NamedTensors all;
  all.reserve(model.size() + optim.size());
  for (const auto& [name, t] : model) all.emplace_back("model." + name, t);
  for (const auto& [name, t] : optim) all.emplace_back("optim." + name, t);
  Metadata m;
  for (const auto& [k, v] : meta.extra) {
    TERN_CHECK(!is_reserved(k), "save_checkpoint: metadata key '", k, "' is reserved; use CheckpointMeta's field");
    m[k] = v;
  }
  m["tern.format"] = kCheckpointFormat;
  m["tern.model"] = meta.model;
  m["tern.optimizer"] = meta.optimizer;
  m["tern.step"] = std::to_string(meta.step);
  m["tern.epoch"] = std::to_string(meta.epoch);
  TERN_CHECK(meta.step >= 0 && meta.epoch >= 0, "save_checkpoint: step and epoch must be >= 0, got ", meta.step,
             " and ", meta.epoch);
  save_safetensors(path, all, m);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafeTensorsFile f = load_safetensors(path);
  Checkpoint ck;
  ck.path = path;
  auto fmt = f.metadata.find("tern.format");
  if (fmt != f.metadata.end() && fmt->second != kCheckpointFormat)
    throw IOError(str_cat(path, ": checkpoint format '", fmt->second, "' is not the one this Tern reads ('",
                          kCheckpointFormat, "')"));
  for (auto& [name, t] : f.tensors) {
    if (name.starts_with("model.")) ck.model.emplace_back(name.substr(6), std::move(t));
    else if (name.starts_with("optim.")) ck.optim.emplace_back(name.substr(6), std::move(t));
    else
      throw IOError(str_cat(path, ": tensor '", name,
                            "' is neither model.* nor optim.*: not a Tern checkpoint, so it cannot resume a run; "
                            "a PyTorch state dict loads as weights only (tern train --init-from, tern eval)"));
  }
  ck.meta.step = parse_int(f.metadata, "tern.step", path);
  ck.meta.epoch = parse_int(f.metadata, "tern.epoch", path);
  if (auto it = f.metadata.find("tern.model"); it != f.metadata.end()) ck.meta.model = it->second;
  if (auto it = f.metadata.find("tern.optimizer"); it != f.metadata.end()) ck.meta.optimizer = it->second;
  for (const auto& [k, v] : f.metadata)
    if (!is_reserved(k)) ck.meta.extra[k] = v;
  return ck;
}

void assign_tensors(const NamedTensors& dst, const NamedTensors& src, const std::string& what,
                    const std::string& prefix, const std::string& target) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, t] : src)
    TERN_CHECK(by_name.emplace(name, &t).second, what, ": tensor '", prefix, name, "' appears twice");
  std::vector<std::string> missing, unexpected;
  std::map<std::string, bool> wanted;
  std::vector<std::pair<const Tensor*, const Tensor*>> plan;  // (dst, src)
  for (const auto& [name, d] : dst) {
    TERN_CHECK(d.defined(), what, ": destination tensor '", name, "' is undefined");
    TERN_CHECK(wanted.emplace(name, true).second, what, ": ", target, " has two tensors named '", name, "'");
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      missing.push_back(name);
      continue;
    }
    const Tensor& s = *it->second;
    TERN_CHECK(s.shape() == d.shape(), what, ": tensor '", prefix, name, "' has shape ", shape_str(s.shape()), ", ",
               target, " expects ", shape_str(d.shape()));
    TERN_CHECK_TYPE(s.dtype() == d.dtype() || (is_floating(s.dtype()) && is_floating(d.dtype())), what,
                    ": tensor '", prefix, name, "' has dtype ", dtype_name(s.dtype()), ", ", target, " expects ",
                    dtype_name(d.dtype()));
    plan.emplace_back(&d, &s);
  }
  for (const auto& [name, t] : src)
    if (!wanted.count(name)) unexpected.push_back(name);
  TERN_CHECK(missing.empty(), what, ": ", target, " expects ", missing.size() == 1 ? "tensor " : "tensors ",
             name_list(missing, prefix), ", missing here");
  TERN_CHECK(unexpected.empty(), what, ": ", unexpected.size() == 1 ? "tensor " : "tensors ",
             name_list(unexpected, prefix), " not expected by ", target);

  NoGradGuard no_grad;
  for (const auto& [d, s] : plan) {
    const Tensor c = contiguous(s->dtype() == d->dtype() ? *s : cast(*s, d->dtype()));
    write_into(c, *d);
  }
}

void restore_model(const Checkpoint& ck, const NamedTensors& model) {
  assign_tensors(model, ck.model, "checkpoint " + ck.path, "model.");
}

}  // namespace tern::io
