#include "tern/data/npy.h"

#include <zip.h>

#include <cstring>
#include <memory>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/ops/ops.h"

namespace tern::data {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";

// A dtype as the header spells it: kind 'f', 'i', 'u' or 'b', width in bytes.
struct NpyDtype {
  char kind = 0;
  int width = 0;
  bool big_endian = false;
};

struct NpyHeader {
  NpyDtype dtype;
  bool fortran = false;
  Shape shape;
  size_t data_offset = 0;
};

// Header text as quoted in an error: one line, no control bytes.
std::string printable(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  const size_t e = s.find_last_not_of("? ");
  s.resize(e == std::string::npos ? 0 : e + 1);
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw IOError(str_cat(printable(source), ": ", printable(what)));
}

// The value after 'key': in the header dict, with surrounding spaces trimmed
// up to the next top-level ',' or '}' (a tuple's commas are inside parens).
std::string dict_value(const std::string& dict, const std::string& key, const std::string& source) {
  size_t at = dict.find("'" + key + "'");
  if (at == std::string::npos) at = dict.find("\"" + key + "\"");
  if (at == std::string::npos) fail(source, str_cat("npy header has no '", key, "' (header: ", dict, ")"));
  at = dict.find(':', at + key.size() + 2);
  if (at == std::string::npos) fail(source, str_cat("npy header: no ':' after '", key, "'"));
  size_t end = at + 1;
  int depth = 0;
  for (; end < dict.size(); ++end) {
    const char c = dict[end];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth == 0 && (c == ',' || c == '}')) break;
  }
  std::string v = dict.substr(at + 1, end - at - 1);
  const size_t b = v.find_first_not_of(" \t"), e = v.find_last_not_of(" \t");
  return b == std::string::npos ? "" : v.substr(b, e - b + 1);
}

NpyDtype parse_descr(std::string v, const std::string& source) {
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  else fail(source, str_cat("npy dtype ", v, " not supported (expected a simple dtype such as '<f4'; structured "
                            "arrays are not)"));
  NpyDtype d;
  size_t i = 0;
  if (!v.empty() && (v[0] == '<' || v[0] == '>' || v[0] == '|' || v[0] == '=')) d.big_endian = v[i++] == '>';
  if (i + 2 != v.size() || v[i + 1] < '1' || v[i + 1] > '8')
    fail(source, str_cat("npy dtype '", v, "' not supported (expected float16/32/64, int8-64, uint8-32 or bool)"));
  d.kind = v[i];
  d.width = v[i + 1] - '0';
  const bool ok = (d.kind == 'f' && (d.width == 2 || d.width == 4 || d.width == 8)) ||
                  (d.kind == 'i' && (d.width == 1 || d.width == 2 || d.width == 4 || d.width == 8)) ||
                  (d.kind == 'u' && (d.width == 1 || d.width == 2 || d.width == 4)) || (d.kind == 'b' && d.width == 1);
  if (!ok) fail(source, str_cat("npy dtype '", v, "' not supported (expected float16/32/64, int8-64, uint8-32 or bool)"));
  return d;
}

Shape parse_shape(const std::string& v, const std::string& source) {
  if (v.size() < 2 || v.front() != '(' || v.back() != ')')
    fail(source, str_cat("npy shape ", v, " is not a tuple"));
  Shape shape;
  size_t i = 1;
  while (i < v.size() - 1) {
    while (i < v.size() - 1 && (v[i] == ' ' || v[i] == ',')) ++i;
    if (i >= v.size() - 1) break;
    int64_t n = 0;
    size_t digits = 0;
    while (i < v.size() - 1 && v[i] >= '0' && v[i] <= '9') {
      if (n > (int64_t{1} << 50)) fail(source, str_cat("npy shape ", v, " is too large"));
      n = n * 10 + (v[i++] - '0');
      ++digits;
    }
    if (digits == 0) fail(source, str_cat("npy shape ", v, ": expected non-negative integers"));
    shape.push_back(n);
  }
  return shape;
}

NpyHeader parse_header(std::string_view bytes, const std::string& source) {
  if (bytes.empty()) fail(source, "empty file (expected a .npy array)");
  if (bytes.size() < 10 || bytes.substr(0, 6) != kMagic)
    fail(source, "not a .npy file (expected the magic \\x93NUMPY)");
  const int major = uint8_t(bytes[6]);
  size_t len = 0, start = 0;
  if (major == 1) {
    len = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) fail(source, "truncated .npy header");
    len = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8) | (size_t(uint8_t(bytes[10])) << 16) |
          (size_t(uint8_t(bytes[11])) << 24);
    start = 12;
  } else {
    fail(source, str_cat(".npy format version ", major, " not supported (expected 1, 2 or 3)"));
  }
  if (len > bytes.size() - start)
    fail(source, str_cat("truncated .npy header (", len, " bytes announced, ", bytes.size() - start, " present)"));
  const std::string dict(bytes.substr(start, len));
  NpyHeader h;
  h.dtype = parse_descr(dict_value(dict, "descr", source), source);
  const std::string fortran = dict_value(dict, "fortran_order", source);
  if (fortran != "True" && fortran != "False")
    fail(source, str_cat("npy fortran_order is ", fortran, " (expected True or False)"));
  h.fortran = fortran == "True";
  h.shape = parse_shape(dict_value(dict, "shape", source), source);
  h.data_offset = start + len;
  return h;
}

DType tern_dtype(const NpyDtype& d) {
  switch (d.kind) {
    case 'f': return d.width == 2 ? DType::f16 : d.width == 4 ? DType::f32 : DType::f64;
    case 'b': return DType::boolean;
    case 'u': return d.width == 1 ? DType::u8 : d.width == 2 ? DType::i32 : DType::i64;
    default: return d.width == 8 ? DType::i64 : DType::i32;
  }
}

// Element `i` of the file's data as an unsigned little-endian bit pattern.
uint64_t load_bits(const char* p, int width, bool big_endian) {
  uint64_t v = 0;
  for (int b = 0; b < width; ++b) {
    const int byte = big_endian ? width - 1 - b : b;
    v |= uint64_t(uint8_t(p[byte])) << (8 * b);
  }
  return v;
}

// Converts file element `src` into the Tern element at `dst`.
void convert(const char* src, const NpyDtype& d, char* dst, DType to) {
  const uint64_t bits = load_bits(src, d.width, d.big_endian);
  if (d.kind == 'i' && (d.width == 1 || d.width == 2)) {  // sign-extend into int32
    const int shift = 64 - 8 * d.width;
    const int32_t v = static_cast<int32_t>(static_cast<int64_t>(bits << shift) >> shift);
    std::memcpy(dst, &v, 4);
    return;
  }
  if (d.kind == 'b') {
    dst[0] = bits != 0;
    return;
  }
  const size_t out = itemsize(to);  // same width, or a zero-extended uint16/uint32
  std::memcpy(dst, &bits, out);
}

}  // namespace

Tensor parse_npy(std::string_view bytes, const std::string& source) {
  const NpyHeader h = parse_header(bytes, source);
  const uint64_t available = bytes.size() - h.data_offset;
  // Multiply with a check against the data present, so a huge shape cannot overflow into a small count.
  uint64_t count = 1;
  for (int64_t n : h.shape) count = n == 0 ? 0 : (count > available / uint64_t(n) ? available + 1 : count * n);
  const uint64_t need = count > available ? available + 1 : count * h.dtype.width;
  if (need != available)
    fail(source, str_cat("npy shape ", shape_str(h.shape), " of ", h.dtype.kind, h.dtype.width, " needs ",
                         count > available ? std::string("more") : std::to_string(need), " bytes of data, the file has ",
                         available, need > available ? " (truncated?)" : " (trailing bytes)"));
  const DType to = tern_dtype(h.dtype);
  Tensor t = Tensor::empty(h.shape, to);
  const char* src = bytes.data() + h.data_offset;
  char* dst = static_cast<char*>(t.raw_data());
  const size_t out = itemsize(to);
  const int64_t n = static_cast<int64_t>(count);
  const int64_t rank = static_cast<int64_t>(h.shape.size());
  if (!h.fortran || rank < 2) {
    for (int64_t i = 0; i < n; ++i) convert(src + i * h.dtype.width, h.dtype, dst + i * out, to);
    return t;
  }
  // Fortran order: the first index varies fastest in the file. Walk the
  // file's order with a counter and place each element at its C offset.
  Dims c_stride(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d) c_stride[d] = c_stride[d + 1] * h.shape[d + 1];
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t at = 0;
    for (int64_t d = 0; d < rank; ++d) at += index[d] * c_stride[d];
    convert(src + i * h.dtype.width, h.dtype, dst + at * out, to);
    for (int64_t d = 0; d < rank && ++index[d] == h.shape[d]; ++d) index[d] = 0;
  }
  return t;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::map<std::string, Tensor> parse_npz(std::string_view bytes, const std::string& source) {
  // libzip takes zero bytes for an empty archive; an .npz always has a directory.
  if (bytes.empty()) fail(source, "empty file (expected an .npz archive)");
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (!src) fail(source, str_cat("cannot read .npz: ", zip_error_strerror(&error)));
  zip_t* archive = zip_open_from_source(src, ZIP_RDONLY, &error);
  if (!archive) {
    zip_source_free(src);
    const std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    fail(source, str_cat("not an .npz file (expected a zip archive of .npy members): ", why));
  }
  zip_error_fini(&error);
  std::unique_ptr<zip_t, int (*)(zip_t*)> closer(archive, zip_close);
  std::map<std::string, Tensor> out;
  const zip_int64_t entries = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    if (zip_stat_index(archive, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME) || !(st.valid & ZIP_STAT_SIZE))
      fail(source, str_cat(".npz member ", i, ": unreadable directory entry"));
    std::string name = st.name;
    const std::string member = str_cat(source, ":", name);
    if (name.size() < 4 || name.substr(name.size() - 4) != ".npy")
      fail(source, str_cat(".npz member '", name, "' is not a .npy file"));
    if (st.size > (uint64_t{1} << 40)) fail(member, str_cat("member announces ", st.size, " bytes"));
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(zip_fopen_index(archive, i, 0), zip_fclose);
    if (!f) fail(member, str_cat("cannot open: ", zip_strerror(archive)));
    std::string data;
    char buf[1 << 16];
    zip_int64_t got;
    while ((got = zip_fread(f.get(), buf, sizeof buf)) > 0) {
      data.append(buf, static_cast<size_t>(got));
      if (data.size() > st.size) fail(member, "more data than the directory announces");
    }
    if (got < 0) fail(member, str_cat("cannot decompress: ", zip_file_strerror(f.get())));
    if (data.size() != st.size) fail(member, str_cat("truncated: ", data.size(), " of ", st.size, " bytes"));
    name.resize(name.size() - 4);
    out[name] = parse_npy(data, member);
  }
  return out;
}

std::map<std::string, Tensor> read_npz(const std::string& path) { return parse_npz(read_file(path), path); }

std::string npy_bytes(const Tensor& t) {
  const char* descr = nullptr;
  switch (t.dtype()) {
    case DType::f32: descr = "<f4"; break;
    case DType::f64: descr = "<f8"; break;
    case DType::f16: descr = "<f2"; break;
    case DType::i32: descr = "<i4"; break;
    case DType::i64: descr = "<i8"; break;
    case DType::u8: descr = "|u1"; break;
    case DType::boolean: descr = "|b1"; break;
    case DType::bf16: throw ValueError("write_npy: numpy has no bfloat16; cast to f32 first");
  }
  std::string shape = "(";
  for (int64_t n : t.shape()) shape += std::to_string(n) + ", ";
  if (t.dim() > 1) shape.resize(shape.size() - 2);
  else if (t.dim() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = str_cat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape, ", }");
  const size_t unpadded = 10 + header.size() + 1;  // magic, version, u16 length, dict, '\n'
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  TERN_CHECK(header.size() <= 65535, "write_npy: header too long");
  std::string out(kMagic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  const Tensor c = contiguous(t);
  out.append(static_cast<const char*>(c.raw_data()), c.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_file_atomic(path, npy_bytes(t)); }

}  // namespace tern::data
