// `tern plot DIR [DIR...] --out OUT`: loss and accuracy PNGs of `tern train
// --log-dir` runs (tern/train/plot/plot.h).
#include <cstdio>
#include <memory>

#include "tern/train/plot/plot.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

void setup(CLI::App& root) {
  auto o = std::make_shared<train::plot::PlotOptions>();
  auto* cmd = root.add_subcommand("plot", "Draw loss and accuracy curves (PNG) of tern train --log-dir runs");
  cmd->add_option("runs", o->runs, "--log-dir folders (several: overlaid, one colour each)")->required();
  cmd->add_option("--out", o->out, "folder for loss.png and accuracy.png")->required();
  cmd->add_option("--smooth", o->smooth, "moving-average window in steps (0: a 40th of the longest run)")
      ->capture_default_str();
  cmd->add_option("--width", o->width, "image width in pixels")->capture_default_str();
  cmd->add_option("--height", o->height, "image height in pixels")->capture_default_str();
  cmd->callback([o] {
    const train::plot::PlotReport r = train::plot::plot_runs(*o);
    std::printf("%lld steps and %lld epochs of %zu run(s):", static_cast<long long>(r.steps),
                static_cast<long long>(r.epochs), o->runs.size());
    for (const std::string& f : r.files) std::printf(" %s", f.c_str());
    std::printf("\n");
  });
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
