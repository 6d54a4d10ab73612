#include "tern/train/plot/plot.h"

#include <algorithm>
#include <filesystem>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/train/plot/chart.h"
#include "tern/train/plot/run_csv.h"

namespace tern::train::plot {

std::vector<double> moving_average(const std::vector<double>& v, int64_t window) {
  std::vector<double> out(v.size());
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (static_cast<int64_t>(i) >= window) sum -= v[i - window];
    out[i] = sum / std::min<int64_t>(static_cast<int64_t>(i) + 1, window);
  }
  return out;
}

PlotReport plot_runs(const PlotOptions& o) {
  TERN_CHECK(!o.runs.empty(), "tern plot: expected at least one --log-dir folder");
  TERN_CHECK(!o.out.empty(), "tern plot: expected --out DIR for the PNGs");
  TERN_CHECK(o.smooth >= 0, "--smooth: expected a window of 0 (automatic) or more steps, given ", o.smooth);
  TERN_CHECK(o.width >= 200 && o.width <= 8000 && o.height >= 150 && o.height <= 8000,
             "--width/--height: expected a width in [200, 8000] and a height in [150, 8000], given ", o.width, "x", o.height);
  std::vector<RunSeries> runs;
  size_t longest = 0;
  for (const std::string& dir : o.runs) {
    runs.push_back(read_run(dir));
    longest = std::max(longest, runs.back().loss.size());
  }
  const int64_t window = o.smooth > 0 ? o.smooth : std::max<int64_t>(1, static_cast<int64_t>(longest) / 40);
  std::filesystem::create_directories(o.out);
  PlotReport report;

  Chart loss{.title = "training loss", .x_label = "step",
             .y_label = window > 1 ? str_cat("loss (moving average of ", window, " steps)") : "loss",
             .series = {}, .integer_x = false, .width = o.width, .height = o.height};
  Chart accuracy{.title = "test accuracy", .x_label = "epoch", .y_label = "accuracy (%)", .series = {},
                 .integer_x = true, .width = o.width, .height = o.height};
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunSeries& s = runs[r];
    const int color = static_cast<int>(r);
    if (!s.loss.empty()) {
      if (window > 1) loss.series.push_back({.label = "", .x = s.step, .y = s.loss, .color = color, .width = 1, .alpha = 0.25});
      loss.series.push_back({.label = s.name, .x = s.step, .y = moving_average(s.loss, window), .color = color, .width = 2, .alpha = 1});
      report.steps += static_cast<int64_t>(s.loss.size());
    }
    if (!s.test_accuracy.empty()) {
      std::vector<double> pct;
      for (double a : s.test_accuracy) pct.push_back(100 * a);
      accuracy.series.push_back({.label = s.name, .x = s.epoch, .y = pct, .color = color, .width = 2, .alpha = 1, .markers = true});
      report.epochs += static_cast<int64_t>(s.test_accuracy.size());
    }
  }
  if (!loss.series.empty()) {
    const std::string path = o.out + "/loss.png";
    write_file_atomic(path, render_png(loss));
    report.files.push_back(path);
  }
  if (!accuracy.series.empty()) {
    const std::string path = o.out + "/accuracy.png";
    write_file_atomic(path, render_png(accuracy));
    report.files.push_back(path);
  }
  TERN_CHECK(!report.files.empty(), "tern plot: the runs hold no steps and no epochs yet");
  return report;
}

}  // namespace tern::train::plot
