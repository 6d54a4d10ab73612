// Image folders: root/<class name>/*.png|*.jpg|*.jpeg, one folder per class,
// classes numbered in sorted order of their names (as torchvision's
// ImageFolder does). Images are decoded in parallel, converted to the
// configured channels, resized (bilinear) to size x size and kept as uint8.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/data/dataset.h"

namespace tern::data {

struct ImageFolderOptions {
  int64_t size = 32;   // output height = width
  int channels = 3;    // 1 (gray) or 3 (RGB)
  int threads = 0;     // decoding threads; 0: tern::num_threads()
  bool progress = true;  // a progress bar on stderr for folders of 2,000 images or more
  // The classes to number by (a test folder read with the training folder's
  // classes; a folder for a class not in the list is an error). Empty: the
  // subfolders of root, sorted.
  std::vector<std::string> classes;
};

struct ImageFolder {
  std::shared_ptr<ImageDataset> dataset;  // not normalised: [0, 1]
  std::vector<std::string> class_names;
  std::vector<std::string> files;  // in dataset order (class by class, names sorted)
};

// Throws tern::IOError naming the folder or the file (one without images, a
// damaged image) on failure.
ImageFolder read_image_folder(const std::string& root, const ImageFolderOptions& opt = {});

}  // namespace tern::data
