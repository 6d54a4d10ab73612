#include "tern/data/idx_folder.h"

#include <algorithm>
#include <filesystem>

#include "tern/base/error.h"
#include "tern/data/idx.h"

namespace tern::data {

std::shared_ptr<ImageDataset> idx_folder(const std::string& dir, bool train) {
  namespace fs = std::filesystem;
  const char* expected =
      "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, "
      "optionally .gz";
  std::error_code ec;
  TERN_CHECK_T(IOError, fs::is_directory(dir, ec), "IDX folder ", dir, " not found (expected ", expected, ")");
  const std::string split = train ? "train" : "t10k";
  auto find = [&](const std::string& what, const std::string& idx) {
    for (const char* sep : {"-", "."})
      for (const char* ext : {"", ".gz"}) {
        const fs::path p = fs::path(dir) / (split + "-" + what + sep + idx + "-ubyte" + ext);
        if (fs::is_regular_file(p, ec)) return p.string();
      }
    throw IOError(str_cat("IDX folder ", dir, ": no ", split, "-", what, "-", idx, "-ubyte[.gz] (expected ", expected,
                          ")"));
  };
  const std::string images_path = find("images", "idx3"), labels_path = find("labels", "idx1");
  IdxArray images = read_idx(images_path);
  IdxArray labels = read_idx(labels_path);
  TERN_CHECK_T(IOError, images.shape.size() == 3 || images.shape.size() == 4, images_path,
               ": expected a 3-D (count x rows x columns) or 4-D (count x channels x rows x columns) IDX array, got ",
               images.shape.size(), "-D");
  TERN_CHECK_T(IOError, labels.shape.size() == 1, labels_path, ": expected a 1-D IDX array of labels, got ",
               labels.shape.size(), "-D");
  TERN_CHECK_T(IOError, images.shape[0] == labels.shape[0], "IDX folder ", dir, ": ", images.shape[0], " images in ",
               images_path, " but ", labels.shape[0], " labels in ", labels_path);
  TERN_CHECK_T(IOError, images.shape[0] > 0, images_path, ": holds no images");
  for (size_t d = 1; d < images.shape.size(); ++d)
    TERN_CHECK_T(IOError, images.shape[d] > 0, images_path, ": image dimension ", d, " is 0");
  const Shape shape = images.shape.size() == 3 ? Shape{1, images.shape[1], images.shape[2]}
                                               : Shape{images.shape[1], images.shape[2], images.shape[3]};
  std::vector<int64_t> y(labels.data.begin(), labels.data.end());
  const int64_t classes = 1 + *std::max_element(y.begin(), y.end());
  return std::make_shared<ImageDataset>(std::move(images.data), std::move(y), shape, classes);
}

}  // namespace tern::data
