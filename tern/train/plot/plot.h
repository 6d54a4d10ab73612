// `tern plot DIR [DIR...] --out OUT`: the curves of one or more `tern train
// --log-dir` runs as PNGs, runs overlaid in one colour each:
//   OUT/loss.png      training loss per step (faint) and its moving average
//   OUT/accuracy.png  test accuracy per epoch (when some run has epochs)
// Files are written atomically.
#pragma once

#include <string>
#include <vector>

namespace tern::train::plot {

struct PlotOptions {
  std::vector<std::string> runs;  // --log-dir folders
  std::string out;                // folder for the PNGs (created)
  int64_t smooth = 0;             // moving-average window in steps; 0: a 40th of the longest run
  int width = 900, height = 540;
};

struct PlotReport {
  std::vector<std::string> files;  // written, in order
  int64_t steps = 0, epochs = 0;   // points drawn, over all runs
};

PlotReport plot_runs(const PlotOptions& options);

// Trailing moving average over `window` points (the first ones over fewer).
std::vector<double> moving_average(const std::vector<double>& v, int64_t window);

}  // namespace tern::train::plot
