#include "tern/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <bit>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "tern/autograd/grad_mode.h"
#include "tern/base/atomic_file.h"
#include "tern/ops/ops.h"

namespace tern::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; add byte swapping");

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr uint64_t kMaxHeader = 100'000'000;  // the reference reader's limit

struct DTypeName {
  DType dtype;
  const char* name;
  int rank;  // the reference implementation's dtype order (writers sort by it, descending)
};
constexpr DTypeName kDTypes[] = {
    {DType::boolean, "BOOL", 0}, {DType::u8, "U8", 1},   {DType::f16, "F16", 7}, {DType::bf16, "BF16", 8},
    {DType::i32, "I32", 9},      {DType::f32, "F32", 11}, {DType::f64, "F64", 12}, {DType::i64, "I64", 13},
};

int dtype_rank(DType d) {
  for (const DTypeName& e : kDTypes)
    if (e.dtype == d) return e.rank;
  return -1;
}

std::string known_dtypes() {
  std::string s;
  for (const DTypeName& e : kDTypes) s += (s.empty() ? "" : ", ") + std::string(e.name);
  return s;
}

std::string offsets_str(uint64_t begin, uint64_t end) { return str_cat("[", begin, ", ", end, "]"); }

// Reads a JSON value as a non-negative integer that fits int64.
std::optional<uint64_t> as_count(const OrderedJson& j) {
  if (!j.is_number_unsigned()) return std::nullopt;
  const uint64_t v = j.get<uint64_t>();
  if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return v;
}

// One tensor entry of a header, validated on its own.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

Entry parse_entry(const std::string& src, const std::string& name, const OrderedJson& j) {
  auto fail = [&](const auto&... what) { throw IOError(str_cat(src, ": tensor '", name, "': ", what...)); };
  if (!j.is_object()) fail("header entry should be an object with dtype, shape and data_offsets");
  const auto dt = j.find("dtype"), sh = j.find("shape"), off = j.find("data_offsets");
  if (dt == j.end() || sh == j.end() || off == j.end())
    fail("header entry needs \"dtype\", \"shape\" and \"data_offsets\", got ", j.dump());
  if (!dt->is_string()) fail("dtype should be a string, got ", dt->dump());
  const std::optional<DType> dtype = dtype_from_safetensors(dt->get<std::string>());
  if (!dtype) fail("unknown dtype ", dt->dump(), " (Tern reads ", known_dtypes(), ")");
  if (!sh->is_array()) fail("shape should be an array of sizes, got ", sh->dump());
  Entry e{name, *dtype, {}, 0, 0};
  uint64_t bytes = itemsize(*dtype);
  for (const OrderedJson& d : *sh) {
    const std::optional<uint64_t> n = as_count(d);
    if (!n) fail("shape should hold non-negative integers, got ", sh->dump());
    e.shape.push_back(static_cast<int64_t>(*n));
    if (*n != 0 && bytes > std::numeric_limits<uint64_t>::max() / *n) fail("shape ", sh->dump(), " is too large");
    bytes *= *n;
  }
  if (!off->is_array() || off->size() != 2 || !as_count((*off)[0]) || !as_count((*off)[1]))
    fail("data_offsets should be [begin, end], got ", off->dump());
  e.begin = *as_count((*off)[0]);
  e.end = *as_count((*off)[1]);
  if (e.end < e.begin) fail("data_offsets ", offsets_str(e.begin, e.end), " end before they begin");
  if (e.end - e.begin != bytes)
    fail("data_offsets ", offsets_str(e.begin, e.end), " span ", e.end - e.begin, " bytes, but shape ",
         shape_str(e.shape), " of ", dt->get<std::string>(), " needs ", bytes);
  return e;
}

Metadata parse_metadata(const std::string& src, const OrderedJson& j) {
  if (!j.is_object()) throw IOError(str_cat(src, ": __metadata__ should map strings to strings, got ", j.dump()));
  Metadata m;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string())
      throw IOError(str_cat(src, ": __metadata__ value of '", k, "' should be a string, got ", v.dump()));
    m[k] = v.get<std::string>();
  }
  return m;
}

// Checks the 8-byte length prefix against the file size; returns N.
uint64_t header_length(std::string_view first8, uint64_t file_size, const std::string& src) {
  if (file_size < 8)
    throw IOError(str_cat(src, ": truncated: ", file_size,
                          " bytes, but a safetensors file starts with an 8-byte header length"));
  uint64_t n = 0;
  std::memcpy(&n, first8.data(), 8);
  if (n > file_size - 8)
    throw IOError(str_cat(src, ": header length ", n, " goes beyond the end of the file (", file_size,
                          " bytes); the file is truncated or not a safetensors file"));
  if (n > kMaxHeader) throw IOError(str_cat(src, ": header length ", n, " is over the limit of ", kMaxHeader));
  return n;
}

// The parsed, validated header: entries sorted by offset, covering the data exactly.
struct Layout {
  Metadata metadata;
  std::vector<Entry> entries;
};

// A safetensors header is at most three levels deep ({name: {shape: [..]}});
// nlohmann's parser and destructor recurse once per level, so a header of
// 10^5 nested brackets (600 KB, far under kMaxHeader) would overflow the
// stack. Refuse deep nesting before parsing.
constexpr int kMaxHeaderDepth = 16;

void check_header_depth(std::string_view json, const std::string& src) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : json) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > kMaxHeaderDepth)
        throw IOError(str_cat(src, ": header nests deeper than ", kMaxHeaderDepth,
                              " levels (a safetensors header has 3); not a safetensors file"));
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
}

Layout parse_layout(std::string_view json, uint64_t data_size, const std::string& src) {
  check_header_depth(json, src);
  OrderedJson header;
  try {
    header = OrderedJson::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    throw IOError(str_cat(src, ": header is not valid JSON (", e.what(), ")"));
  }
  if (!header.is_object()) throw IOError(str_cat(src, ": header should be a JSON object, got ", header.type_name()));
  Layout out;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") out.metadata = parse_metadata(src, value);
    else out.entries.push_back(parse_entry(src, key, value));
  }

  // The data must be covered exactly: no overlaps, no gaps, nothing after.
  std::vector<Entry>& entries = out.entries;
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return std::tie(a.begin, a.end) < std::tie(b.begin, b.end); });
  uint64_t covered = 0;
  const Entry* prev = nullptr;
  for (const Entry& e : entries) {
    if (e.end > data_size)
      throw IOError(str_cat(src, ": tensor '", e.name, "': data_offsets ", offsets_str(e.begin, e.end),
                            " go beyond the end of the data (", data_size,
                            " bytes after the header); the file is truncated"));
    if (e.begin < covered)
      throw IOError(str_cat(src, ": tensors '", prev->name, "' and '", e.name, "' overlap (data_offsets ",
                            offsets_str(prev->begin, prev->end), " and ", offsets_str(e.begin, e.end), ")"));
    if (e.begin > covered)
      throw IOError(str_cat(src, ": tensor '", e.name, "' starts at data byte ", e.begin, " but the bytes from ",
                            covered, " belong to no tensor"));
    covered = e.end;
    if (e.end > e.begin) prev = &e;
  }
  if (covered != data_size)
    throw IOError(str_cat(src, ": the tensors cover ", covered, " data bytes but the file has ", data_size,
                          " after the header"));
  return out;
}

// Allocates each tensor and fills it with read(data_offset, dst, bytes).
template <typename ReadFn>
SafeTensorsFile fill(Layout layout, const std::string& src, ReadFn&& read) {
  SafeTensorsFile out;
  out.metadata = std::move(layout.metadata);
  for (const Entry& e : layout.entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    if (e.end > e.begin) read(e.begin, t.raw_data(), e.end - e.begin);
    if (e.dtype == DType::boolean) {
      // Any byte but 0 or 1 in a C++ bool is undefined behaviour.
      const uint8_t* b = static_cast<const uint8_t*>(t.raw_data());
      for (int64_t i = 0; i < t.numel(); ++i)
        if (b[i] > 1)
          throw IOError(str_cat(src, ": tensor '", e.name, "': BOOL element ", i, " has byte value ",
                                static_cast<int>(b[i]), ", expected 0 or 1"));
    }
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

SafeTensorsFile decode_checked(std::string_view bytes, const std::string& src) {
  const uint64_t n = header_length(bytes, bytes.size(), src);
  Layout layout = parse_layout(bytes.substr(8, n), bytes.size() - 8 - n, src);
  const char* data = bytes.data() + 8 + n;
  return fill(std::move(layout), src,
              [&](uint64_t offset, void* dst, uint64_t len) { std::memcpy(dst, data + offset, len); });
}

// Reads exactly `len` bytes at `offset` of an open file.
void pread_all(int fd, void* dst, uint64_t len, uint64_t offset, const std::string& path) {
  char* p = static_cast<char*>(dst);
  while (len > 0) {
    const ssize_t got = ::pread(fd, p, len, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0)
      throw IOError(str_cat("error reading ", path, ": ", got < 0 ? std::strerror(errno) : "file shrank while reading"));
    p += got;
    len -= static_cast<uint64_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

// Reads a file straight into the tensors' storage: no copy of the whole file.
SafeTensorsFile load_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IOError(str_cat("cannot open ", path, ": ", std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw IOError(str_cat("cannot stat ", path, ": ", std::strerror(errno)));
  TERN_CHECK_T(IOError, S_ISREG(st.st_mode), path, ": not a regular file");
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  char first8[8] = {};
  if (size >= 8) pread_all(fd, first8, 8, 0, path);
  const uint64_t n = header_length(std::string_view(first8, 8), size, path);
  std::string json(n, '\0');
  pread_all(fd, json.data(), n, 8, path);
  Layout layout = parse_layout(json, size - 8 - n, path);
  return fill(std::move(layout), path,
              [&](uint64_t offset, void* dst, uint64_t len) { pread_all(fd, dst, len, 8 + n + offset, path); });
}

}  // namespace

const Tensor* SafeTensorsFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

const char* safetensors_dtype_name(DType dtype) {
  for (const DTypeName& e : kDTypes)
    if (e.dtype == dtype) return e.name;
  return "?";
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
  for (const DTypeName& e : kDTypes)
    if (name == e.name) return e.dtype;
  return std::nullopt;
}

std::string encode_safetensors(const NamedTensors& tensors, const Metadata& metadata) {
  std::set<std::string> seen;
  for (const auto& [name, t] : tensors) {
    TERN_CHECK(name != "__metadata__", "safetensors: '__metadata__' is reserved and cannot name a tensor");
    TERN_CHECK(seen.insert(name).second, "safetensors: tensor name '", name, "' appears twice");
    TERN_CHECK(t.defined(), "safetensors: tensor '", name, "' is undefined");
    TERN_CHECK(t.device().type == DeviceType::cpu, "safetensors: tensor '", name, "' is not on the CPU");
  }
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int ra = dtype_rank(tensors[a].second.dtype()), rb = dtype_rank(tensors[b].second.dtype());
    return ra != rb ? ra > rb : tensors[a].first < tensors[b].first;
  });

  OrderedJson header = OrderedJson::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (size_t i : order) {
    const auto& [name, t] = tensors[i];
    OrderedJson entry = OrderedJson::object();
    entry["dtype"] = safetensors_dtype_name(t.dtype());
    entry["shape"] = t.shape().vec();
    entry["data_offsets"] = {offset, offset + t.nbytes()};
    header[name] = std::move(entry);
    offset += t.nbytes();
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::type_error& e) {
    TERN_FAIL("safetensors: a tensor name or metadata string is not valid UTF-8 (", e.what(), ")");
  }
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned

  std::string out;
  out.reserve(8 + text.size() + offset);
  const uint64_t n = text.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += text;
  NoGradGuard no_grad;
  for (size_t i : order) {
    const Tensor c = contiguous(tensors[i].second);
    out.append(static_cast<const char*>(c.raw_data()), c.nbytes());
  }
  return out;
}

SafeTensorsFile decode_safetensors(std::string_view bytes, const std::string& source) {
  try {
    return decode_checked(bytes, source);
  } catch (const nlohmann::json::exception& e) {
    // A safety net: every JSON access above is checked first.
    throw IOError(str_cat(source, ": malformed header (", e.what(), ")"));
  }
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  write_file_atomic(path, encode_safetensors(tensors, metadata));
}

SafeTensorsFile load_safetensors(const std::string& path) {
  try {
    return load_file(path);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(str_cat(path, ": malformed header (", e.what(), ")"));
  }
}

}  // namespace tern::io
