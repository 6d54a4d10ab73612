#include "tern/dv/sources.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/timer.h"
#include "tern/data/idx.h"

namespace tern::dv {

namespace {

// Feeds each CSV field of a block into its column's accumulator.
class StatsSink : public CsvSink {
 public:
  explicit StatsSink(StatsBuilder& b) : b_(b) {}
  void field(int64_t index, const CsvField& f) override {
    b_.column(static_cast<size_t>(index)).add_field(f.value, f.quoted, f.line, f.column);
  }
  void end_record() override { b_.count_example(); }

 private:
  StatsBuilder& b_;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct FashionMnist {
  std::vector<data::IdxArray> images, labels;
};

FashionMnist load_fashion_mnist(const std::string& split, std::string dir) {
  if (dir.empty()) dir = data::kFashionMnistDir;
  TERN_CHECK(split.empty() || split == "train" || split == "test",
             "fashion-mnist split must be 'train' or 'test', got '", split, "'");
  FashionMnist fm;
  for (const char* s : {"train", "test"}) {
    if (!split.empty() && split != s) continue;
    const std::string prefix = dir + "/" + (std::string(s) == "train" ? "train" : "t10k");
    fm.images.push_back(data::read_idx(prefix + "-images-idx3-ubyte.gz"));
    fm.labels.push_back(data::read_idx(prefix + "-labels-idx1-ubyte.gz"));
    TERN_CHECK(fm.images.back().shape.size() == 3 && fm.labels.back().shape.size() == 1 &&
                   fm.images.back().shape[0] == fm.labels.back().shape[0],
               "fashion-mnist ", s, ": images and labels do not match");
  }
  return fm;
}

std::vector<std::string> fashion_names(int64_t pixels) {
  std::vector<std::string> names = {"label"};
  for (int64_t i = 1; i <= pixels; ++i) names.push_back(str_cat("pixel", i));
  return names;
}

}  // namespace

DatasetStats csv_stats(const std::string& path, const StatsOptions& options) {
  Timer timer;
  if (options.threads != 0) set_num_threads(options.threads);
  CsvReader reader(path, options.csv);
  const size_t ncols = reader.column_names().size();
  const int threads = std::max(1, num_threads());
  std::vector<StatsBuilder> builders;
  for (int t = 0; t < threads; ++t) builders.emplace_back(ncols);
  std::vector<CsvBlock> blocks;
  // Each round reads `threads` blocks and parses them in parallel; builder i
  // owns block i, so no locks are needed.
  while (reader.next_blocks(threads, blocks)) {
    std::vector<CsvProblem> problems(blocks.size());
    if (builders.size() < blocks.size())
      while (builders.size() < blocks.size()) builders.emplace_back(ncols);
    parallel_for(static_cast<int64_t>(blocks.size()), 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        StatsSink sink(builders[static_cast<size_t>(i)]);
        parse_csv_block(blocks[i].data, options.csv.delimiter, blocks[i].first_line,
                        static_cast<int64_t>(ncols), sink, &problems[i]);
      }
    });
    for (const auto& p : problems) TERN_CHECK(p.ok(), reader.where(p));  // blocks are in file order
  }
  for (size_t t = 1; t < builders.size(); ++t) builders[0].merge(builders[t]);
  DatasetStats s = builders[0].finish(reader.column_names());
  s.source = path;
  s.bytes = reader.bytes_read();
  s.seconds = timer.seconds();
  return s;
}

DatasetStats fashion_mnist_stats(const std::string& split, const StatsOptions& options) {
  Timer timer;
  if (options.threads != 0) set_num_threads(options.threads);
  const FashionMnist fm = load_fashion_mnist(split, options.fashion_mnist_dir);
  const int64_t pixels = fm.images[0].shape[1] * fm.images[0].shape[2];
  const int threads = std::max(1, num_threads());
  std::vector<StatsBuilder> builders;
  for (int t = 0; t < threads; ++t) builders.emplace_back(static_cast<size_t>(pixels + 1));
  int64_t bytes = 0;
  for (size_t part = 0; part < fm.images.size(); ++part) {
    const auto& img = fm.images[part];
    const auto& lab = fm.labels[part];
    const int64_t rows = lab.shape[0];
    bytes += static_cast<int64_t>(img.data.size() + lab.data.size());
    parallel_for(threads, 1, [&](int64_t tb, int64_t te) {
      for (int64_t t = tb; t < te; ++t) {
        StatsBuilder& b = builders[static_cast<size_t>(t)];
        const int64_t r0 = rows * t / threads, r1 = rows * (t + 1) / threads;
        for (int64_t r = r0; r < r1; ++r) {
          b.count_example();
          b.column(0).add_int(lab.data[static_cast<size_t>(r)]);
          const uint8_t* px = img.data.data() + r * pixels;
          for (int64_t p = 0; p < pixels; ++p) b.column(static_cast<size_t>(p + 1)).add_int(px[p]);
        }
      }
    });
  }
  for (size_t t = 1; t < builders.size(); ++t) builders[0].merge(builders[t]);
  DatasetStats s = builders[0].finish(fashion_names(pixels));
  s.source = split.empty() ? "fashion-mnist" : "fashion-mnist:" + split;
  s.bytes = bytes;
  s.seconds = timer.seconds();
  return s;
}

DatasetStats compute_stats(const std::string& data, const StatsOptions& options) {
  if (data == "fashion-mnist") return fashion_mnist_stats("", options);
  if (data.rfind("fashion-mnist:", 0) == 0) return fashion_mnist_stats(data.substr(14), options);
  if (ends_with(data, ".json")) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(data));
    } catch (const nlohmann::json::exception& e) {
      TERN_FAIL(data, ": not valid JSON: ", e.what());
    }
    return stats_from_json(j);
  }
  return csv_stats(data, options);
}

int64_t export_fashion_mnist_csv(const std::string& split, const std::string& path, const std::string& dir) {
  const FashionMnist fm = load_fashion_mnist(split, dir);
  const int64_t pixels = fm.images[0].shape[1] * fm.images[0].shape[2];
  // Streamed to a temporary file and renamed, so a failure leaves no half file.
  const std::string tmp = path + ".tmp";
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  TERN_CHECK_T(IOError, out != nullptr, "cannot write ", tmp);
  std::string line;
  const auto names = fashion_names(pixels);
  for (size_t i = 0; i < names.size(); ++i) line += (i ? "," : "") + names[i];
  line += '\n';
  int64_t rows = 0;
  for (size_t part = 0; part < fm.images.size(); ++part) {
    for (int64_t r = 0; r < fm.labels[part].shape[0]; ++r, ++rows) {
      line += std::to_string(fm.labels[part].data[static_cast<size_t>(r)]);
      const uint8_t* px = fm.images[part].data.data() + r * pixels;
      for (int64_t p = 0; p < pixels; ++p) {
        line += ',';
        line += std::to_string(px[p]);
      }
      line += '\n';
      if (line.size() > (1 << 20)) {
        TERN_CHECK_T(IOError, std::fwrite(line.data(), 1, line.size(), out.get()) == line.size(), "short write to ", tmp);
        line.clear();
      }
    }
  }
  TERN_CHECK_T(IOError, std::fwrite(line.data(), 1, line.size(), out.get()) == line.size(), "short write to ", tmp);
  TERN_CHECK_T(IOError, std::fclose(out.release()) == 0, "cannot close ", tmp);
  std::filesystem::rename(tmp, path);
  return rows;
}

}  // namespace tern::dv
