#include "tern/distributed/compress/f32_files.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/philox.h"

namespace tern::distributed::compress {

std::vector<float> read_f32_file(const std::string& path) {
  const std::string bytes = read_file(path);
  TERN_CHECK(bytes.size() % 4 == 0, path, ": expected raw little-endian float32 (size a multiple of 4), given ",
             bytes.size(), " bytes");
  std::vector<float> v(bytes.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), bytes.size());
  return v;
}

std::vector<NamedTensor> read_f32_source(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(path, ec)) return {{fs::path(path).filename().string(), read_f32_file(path)}};
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path, ec))
    if (entry.is_regular_file() && entry.path().extension() == ".f32") files.push_back(entry.path().string());
  TERN_CHECK(!ec, path, ": cannot list the directory: ", ec.message());
  TERN_CHECK(!files.empty(), path, ": expected *.f32 files (as written by tern train --dump-grads), found none");
  std::sort(files.begin(), files.end());
  std::vector<NamedTensor> out;
  for (const auto& f : files) out.push_back({fs::path(f).filename().string(), read_f32_file(f)});
  return out;
}

void write_encoded_file(const std::string& path, const EncodedFile& file) {
  std::string data(8 + file.stream.size(), '\0');
  std::memcpy(data.data(), &file.count, 8);
  if (!file.stream.empty()) std::memcpy(data.data() + 8, file.stream.data(), file.stream.size());
  write_file_atomic(path, data);
}

EncodedFile read_encoded_file(const std::string& path) {
  const std::string data = read_file(path);
  TERN_CHECK(data.size() >= 8, path, ": expected [u64 count][stream], the file has only ", data.size(), " bytes");
  EncodedFile f;
  std::memcpy(&f.count, data.data(), 8);
  TERN_CHECK(f.count <= 0xffffffffull, path, ": element count ", f.count, " is implausible (corrupted header?)");
  f.stream.assign(data.begin() + 8, data.end());
  return f;
}

void write_f32_file(const std::string& path, const std::vector<float>& values) {
  std::string raw(4 * values.size(), '\0');
  if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
  write_file_atomic(path, raw);
}

std::vector<float> gaussian_tensor(int64_t n, uint64_t seed) {
  TERN_CHECK(n >= 0, "gaussian tensor: size must be >= 0, given ", n);
  std::vector<float> v(n);
  parallel_for(n, 1 << 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) v[i] = Philox::normal(seed, i);
  });
  return v;
}

std::vector<NamedTensor> gaussian_steps(int64_t n, int steps) {
  TERN_CHECK(n >= 1, "--size must be >= 1, given ", n);
  TERN_CHECK(steps >= 1, "--steps must be >= 1, given ", steps);
  std::vector<NamedTensor> out;
  for (int k = 0; k < steps; ++k)
    out.push_back({"step" + std::to_string(k) + "_gaussian.f32", gaussian_tensor(n, static_cast<uint64_t>(1 + k))});
  return out;
}

}  // namespace tern::distributed::compress
