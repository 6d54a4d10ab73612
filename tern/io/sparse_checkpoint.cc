#include "tern/io/sparse_checkpoint.h"

#include <cstring>
#include <map>
#include <set>

#include "tern/base/atomic_file.h"
#include "tern/base/parse.h"

namespace tern::io {

namespace {

std::string shape_text(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ',';  // not literal + std::string&&: GCC 12 warns (-Wrestrict, a false positive)
    out += std::to_string(s[i]);
  }
  return out;
}

std::vector<uint8_t> encode_gaps(const std::vector<int64_t>& idx) {
  std::vector<uint8_t> out;
  out.reserve(idx.size() + idx.size() / 64);
  int64_t prev = -1;
  for (int64_t i : idx) {
    const int64_t g = i - prev;
    const int64_t r = (g - 1) % 255 + 1;
    out.insert(out.end(), static_cast<size_t>((g - r) / 255), uint8_t{0});
    out.push_back(static_cast<uint8_t>(r));
    prev = i;
  }
  return out;
}

[[noreturn]] void bad(const std::string& source, const std::string& what) { throw IOError(source + ": " + what); }

}  // namespace

SparseTensor make_sparse_tensor(const std::string& name, const Tensor& t, std::vector<int64_t> indices,
                                std::string init) {
  TERN_CHECK(t.dtype() == DType::f32 && t.is_contiguous(), "sparse checkpoint: '", name,
             "' must be a contiguous f32 tensor");
  const int64_t n = t.numel();
  for (size_t j = 0; j < indices.size(); ++j)
    TERN_CHECK(indices[j] >= 0 && indices[j] < n && (j == 0 || indices[j] > indices[j - 1]), "sparse checkpoint: '",
               name, "': indices must be ascending and in [0, ", n, ")");
  Tensor v = Tensor::empty({static_cast<int64_t>(indices.size())});
  for (size_t j = 0; j < indices.size(); ++j) v.data<float>()[j] = t.data<float>()[indices[j]];
  return {name, t.shape(), std::move(indices), v, std::move(init)};
}

std::string encode_sparse_checkpoint(const std::vector<SparseTensor>& sparse, const NamedTensors& dense,
                                     const CheckpointMeta& meta) {
  NamedTensors all;
  Metadata m;
  for (const SparseTensor& s : sparse) {
    TERN_CHECK(s.values.numel() == static_cast<int64_t>(s.indices.size()), "sparse checkpoint: '", s.name,
               "' has ", s.values.numel(), " values for ", s.indices.size(), " indices");
    const std::vector<uint8_t> gaps = encode_gaps(s.indices);
    Tensor idx = Tensor::empty({static_cast<int64_t>(gaps.size())}, DType::u8);
    if (!gaps.empty()) std::memcpy(idx.raw_data(), gaps.data(), gaps.size());
    all.emplace_back("sparse." + s.name + ".idx", idx);
    all.emplace_back("sparse." + s.name + ".val", s.values);
    m["shape." + s.name] = shape_text(s.shape);
    m["init." + s.name] = s.init;
  }
  for (const auto& [name, t] : dense) all.emplace_back("dense." + name, t);
  m["tern.format"] = kSparseCheckpointFormat;
  m["tern.model"] = meta.model;
  m["tern.step"] = std::to_string(meta.step);
  m["tern.epoch"] = std::to_string(meta.epoch);
  return encode_safetensors(all, m);
}

int64_t save_sparse_checkpoint(const std::string& path, const std::vector<SparseTensor>& sparse,
                               const NamedTensors& dense, const CheckpointMeta& meta) {
  const std::string bytes = encode_sparse_checkpoint(sparse, dense, meta);
  write_file_atomic(path, bytes);
  return static_cast<int64_t>(bytes.size());
}

bool is_sparse_checkpoint(const SafeTensorsFile& file) {
  auto it = file.metadata.find("tern.format");
  return it != file.metadata.end() && it->second == kSparseCheckpointFormat;
}

SparseCheckpoint decode_sparse_checkpoint(const SafeTensorsFile& file, const std::string& source) {
  SparseCheckpoint ck;
  ck.path = source;
  auto meta = [&](const std::string& key) -> const std::string* {
    auto it = file.metadata.find(key);
    return it == file.metadata.end() ? nullptr : &it->second;
  };
  const std::string* fmt = meta("tern.format");
  if (!fmt || *fmt != kSparseCheckpointFormat)
    bad(source, str_cat("not a sparse checkpoint (metadata tern.format is ", fmt ? quote(*fmt) : "missing",
                        ", expected '", kSparseCheckpointFormat, "')"));
  try {
    if (const std::string* s = meta("tern.model")) ck.meta.model = *s;
    if (const std::string* s = meta("tern.step")) ck.meta.step = parse_int(*s, source + ": metadata 'tern.step'", {0});
    if (const std::string* s = meta("tern.epoch")) ck.meta.epoch = parse_int(*s, source + ": metadata 'tern.epoch'", {0});
  } catch (const ValueError& e) {
    throw IOError(e.what());
  }
  std::map<std::string, const Tensor*> idx, val;
  for (const auto& entry : file.tensors) {
    const std::string& name = entry.first;  // not a structured binding: clang 14 cannot capture those
    const auto& t = entry.second;
    auto ends = [&](const char* suf) {
      const size_t n = std::strlen(suf);
      return name.size() > n && name.compare(name.size() - n, n, suf) == 0;
    };
    if (name.rfind("dense.", 0) == 0 && name.size() > 6) {
      ck.dense.emplace_back(name.substr(6), t);
    } else if (name.rfind("sparse.", 0) == 0 && ends(".idx")) {
      idx[name.substr(7, name.size() - 11)] = &t;
    } else if (name.rfind("sparse.", 0) == 0 && ends(".val")) {
      val[name.substr(7, name.size() - 11)] = &t;
    } else {
      bad(source, str_cat("unexpected tensor ", quote(name), " (expected sparse.<name>.idx/.val or dense.<name>)"));
    }
  }
  for (const auto& [name, v] : val)
    if (!idx.count(name)) bad(source, str_cat("tensor 'sparse.", name, ".val' has no 'sparse.", name, ".idx'"));
  for (const auto& [name, ip] : idx) {
    auto vit = val.find(name);
    if (vit == val.end()) bad(source, str_cat("tensor 'sparse.", name, ".idx' has no 'sparse.", name, ".val'"));
    const Tensor& it = *ip;
    const Tensor& vt = *vit->second;
    if (it.dtype() != DType::u8 || it.dim() != 1)
      bad(source, str_cat("tensor 'sparse.", name, ".idx' must be U8 of one dimension"));
    if (vt.dtype() != DType::f32 || vt.dim() != 1)
      bad(source, str_cat("tensor 'sparse.", name, ".val' must be F32 of one dimension"));
    SparseTensor s;
    s.name = name;
    const std::string* shape = meta("shape." + name);
    const std::string* init = meta("init." + name);
    if (!shape) bad(source, str_cat("metadata 'shape.", name, "' is missing"));
    if (!init) bad(source, str_cat("metadata 'init.", name, "' is missing"));
    s.init = *init;
    int64_t numel = 1;
    try {
      if (!shape->empty())
        for (const std::string& d : split(*shape, ',')) {
          const int64_t dim = parse_int(d, str_cat(source, ": metadata 'shape.", name, "'"), {0, int64_t{1} << 40});
          if (dim > 0 && numel > (int64_t{1} << 40) / dim)
            bad(source, str_cat("metadata 'shape.", name, "' is larger than 2^40 elements"));
          s.shape.push_back(dim);
          numel *= dim;
        }
    } catch (const ValueError& e) {
      throw IOError(e.what());
    }
    const uint8_t* g = static_cast<const uint8_t*>(it.raw_data());
    const int64_t m = it.numel();
    if (m > 0 && g[m - 1] == 0) bad(source, str_cat("tensor 'sparse.", name, ".idx' ends in a 0 byte (a gap with no element)"));
    int64_t pos = -1;
    for (int64_t j = 0; j < m; ++j) {
      pos += g[j] ? g[j] : 255;
      if (pos >= numel)
        bad(source, str_cat("tensor 'sparse.", name, ".idx' reaches index ", pos, ", beyond the ", numel,
                            " elements of shape [", *shape, "]"));
      if (g[j]) s.indices.push_back(pos);
    }
    if (static_cast<int64_t>(s.indices.size()) != vt.numel())
      bad(source, str_cat("tensor 'sparse.", name, "': ", s.indices.size(), " indices but ", vt.numel(), " values"));
    s.values = vt;
    ck.sparse.push_back(std::move(s));
  }
  std::set<std::string> names;
  for (const SparseTensor& s : ck.sparse) names.insert(s.name);
  for (const auto& [name, t] : ck.dense)
    if (names.count(name)) bad(source, str_cat("'", name, "' is stored both sparse and dense"));
  return ck;
}

SparseCheckpoint load_sparse_checkpoint(const std::string& path) {
  return decode_sparse_checkpoint(load_safetensors(path), path);
}

}  // namespace tern::io
