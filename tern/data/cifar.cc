#include "tern/data/cifar.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tern/base/error.h"

namespace tern::data {

namespace {

constexpr int64_t kPixels = 3 * 32 * 32;

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IOError(str_cat("cannot open ", path));
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::shared_ptr<ImageDataset> load(const std::string& dir, const std::vector<std::string>& names,
                                   const std::string& what, const std::string& expected, int label_bytes,
                                   int label_index, int64_t classes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  TERN_CHECK_T(IOError, fs::is_directory(dir, ec), what, " directory ", dir, " not found (expected ", expected,
               " from the binary version at https://www.cs.toronto.edu/~kriz/cifar.html; nothing is downloaded)");
  for (const std::string& n : names)
    TERN_CHECK_T(IOError, fs::is_regular_file(fs::path(dir) / n, ec), what, ": ", (fs::path(dir) / n).string(),
                 " not found (expected ", expected, " in ", dir, ")");
  CifarRecords r;
  for (const std::string& n : names)
    parse_cifar(read_all((fs::path(dir) / n).string()), (fs::path(dir) / n).string(), label_bytes, label_index, classes,
                r);
  return std::make_shared<ImageDataset>(std::move(r.pixels), std::move(r.labels), Shape{3, 32, 32}, classes);
}

}  // namespace

void parse_cifar(std::string_view bytes, const std::string& source, int label_bytes, int label_index, int64_t classes,
                 CifarRecords& out) {
  TERN_ASSERT(label_bytes >= 1 && label_index >= 0 && label_index < label_bytes);
  const int64_t record = label_bytes + kPixels;
  const int64_t size = static_cast<int64_t>(bytes.size());
  if (size == 0) throw IOError(str_cat(source, ": empty file (expected ", record, "-byte CIFAR records)"));
  if (size % record != 0)
    throw IOError(str_cat(source, ": record ", size / record, " is truncated (", size % record, " of its ", record,
                          " bytes; expected whole ", label_bytes == 1 ? "CIFAR-10" : "CIFAR-100", " records of ",
                          label_bytes, " label byte", label_bytes == 1 ? "" : "s", " + 3072 pixels)"));
  const int64_t n = size / record;
  out.pixels.reserve(out.pixels.size() + n * kPixels);
  for (int64_t i = 0; i < n; ++i) {
    const char* rec = bytes.data() + i * record;
    const int64_t label = static_cast<uint8_t>(rec[label_index]);
    if (label >= classes)
      throw IOError(str_cat(source, ": record ", i, ": label ", label, " outside [0, ", classes, ")",
                            label_bytes == 1 ? " (a CIFAR-100 file read as CIFAR-10?)" : ""));
    out.labels.push_back(label);
    out.pixels.insert(out.pixels.end(), rec + label_bytes, rec + record);
  }
}

std::shared_ptr<ImageDataset> cifar10(const std::string& dir, bool train) {
  std::vector<std::string> names;
  if (train)
    for (int b = 1; b <= 5; ++b) names.push_back("data_batch_" + std::to_string(b) + ".bin");
  else
    names.push_back("test_batch.bin");
  return load(dir, names, "CIFAR-10", "data_batch_1.bin ... data_batch_5.bin and test_batch.bin", 1, 0, 10);
}

std::shared_ptr<ImageDataset> cifar100(const std::string& dir, bool train, bool coarse) {
  return load(dir, {train ? "train.bin" : "test.bin"}, "CIFAR-100", "train.bin and test.bin", 2, coarse ? 0 : 1,
              coarse ? 20 : 100);
}

}  // namespace tern::data
