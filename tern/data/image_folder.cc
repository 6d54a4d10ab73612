#include "tern/data/image_folder.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/timer.h"
#include "tern/data/image_decode.h"

namespace tern::data {

namespace fs = std::filesystem;

namespace {

bool is_image(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

ImageFolder read_image_folder(const std::string& root, const ImageFolderOptions& opt) {
  TERN_CHECK(opt.channels == 1 || opt.channels == 3, "images: channels must be 1 or 3, given ", opt.channels);
  TERN_CHECK(opt.size >= 1 && opt.size <= 4096, "images: size must be in [1, 4096], given ", opt.size);
  std::error_code ec;
  TERN_CHECK_T(IOError, fs::is_directory(root, ec), "image folder ", root,
               " not found (expected root/<class name>/*.png|*.jpg)");
  std::vector<std::string> found;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (e.is_directory()) found.push_back(e.path().filename().string());
  TERN_CHECK_T(IOError, !ec, "cannot list image folder ", root, ": ", ec.message());
  std::sort(found.begin(), found.end());
  TERN_CHECK_T(IOError, !found.empty(), "image folder ", root,
               " has no class subfolders (expected root/<class name>/*.png|*.jpg)");
  ImageFolder out;
  out.class_names = opt.classes.empty() ? found : opt.classes;
  std::vector<int64_t> labels;
  for (const std::string& name : found) {
    const auto it = std::find(out.class_names.begin(), out.class_names.end(), name);
    TERN_CHECK_T(IOError, it != out.class_names.end(), "image folder ", root, ": class folder ", name,
                 " is not one of the training folder's ", out.class_names.size(), " classes");
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(fs::path(root) / name, ec))
      if (e.is_regular_file() && is_image(e.path())) files.push_back(e.path().string());
    TERN_CHECK_T(IOError, !ec, "cannot list ", (fs::path(root) / name).string(), ": ", ec.message());
    std::sort(files.begin(), files.end());
    for (std::string& f : files) {
      out.files.push_back(std::move(f));
      labels.push_back(it - out.class_names.begin());
    }
  }
  const int64_t n = static_cast<int64_t>(out.files.size());
  TERN_CHECK_T(IOError, n > 0, "image folder ", root, " holds no .png, .jpg or .jpeg files in its class folders");

  // Decode in parallel: each thread takes the next file and writes its own
  // slot, so the result does not depend on the thread count.
  const int64_t per = opt.channels * opt.size * opt.size;
  std::vector<uint8_t> pixels(static_cast<size_t>(n * per));
  const int threads = static_cast<int>(std::clamp<int64_t>(opt.threads > 0 ? opt.threads : num_threads(), 1, n));
  std::atomic<int64_t> next{0}, done{0};
  std::mutex mu;
  int64_t failed_at = n;  // the first failing file in dataset order, so the error is deterministic
  std::exception_ptr error;
  auto work = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < n;) {
      try {
        const Image img = read_image(out.files[i], opt.channels);
        resize_bilinear_chw(img, opt.size, pixels.data() + i * per);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (i < failed_at) failed_at = i, error = std::current_exception();
      }
      done.fetch_add(1);
    }
  };
  ProgressBar bar("decoding images in " + root, n, opt.progress && n >= 2000);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  if (opt.progress && n >= 2000) {
    // The calling thread draws progress while the pool decodes, then helps.
    std::thread last(work);
    while (done.load() < n) {
      bar.update(done.load());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    last.join();
    bar.finish();
  } else {
    work();
  }
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  out.dataset = std::make_shared<ImageDataset>(std::move(pixels), std::move(labels),
                                               Shape{opt.channels, opt.size, opt.size},
                                               static_cast<int64_t>(out.class_names.size()));
  return out;
}

}  // namespace tern::data
