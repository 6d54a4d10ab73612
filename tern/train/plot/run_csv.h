// Reading back the CSVs of `tern train --log-dir DIR` (runlog/run_log.h):
// steps.csv (step,epoch,loss,lr) and epochs.csv (epoch,step,train_loss,
// test_accuracy,samples_per_second,seconds,lr). Columns are found by header
// name, so files with extra columns still read. Malformed input is an
// IOError naming the file and line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::train::plot {

struct RunSeries {
  std::string name;  // the run's label (its folder)
  std::vector<double> step, loss;                        // steps.csv
  std::vector<double> epoch, epoch_loss, test_accuracy;  // epochs.csv
};

// The numeric columns `wanted` of a CSV with a header, in that order.
std::vector<std::vector<double>> parse_csv_columns(std::string_view text, const std::vector<std::string>& wanted,
                                                   const std::string& source);

// DIR/steps.csv and DIR/epochs.csv; either may be missing (a run stopped
// in its first epoch has no epochs yet), not both.
RunSeries read_run(const std::string& dir);

}  // namespace tern::train::plot
