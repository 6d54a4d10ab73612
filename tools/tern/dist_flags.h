// `tern train --dist NAME ...`: the flags of every distributed strategy
// (tern/distributed/run.h), turned into command-line options, and the call
// that runs the chosen one. Compiled only when the distributed runtime is
// part of the build.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>

#include "tern/train/trainer.h"

namespace tern::cli {

struct DistFlags;

// Adds --dist and every strategy's flags to `cmd`.
std::shared_ptr<DistFlags> add_dist_flags(CLI::App& cmd);
// With --dist: checks the flags (before MPI starts), runs, prints rank 0's
// report and returns true. Without: rejects strategy flags, returns false.
bool run_dist_flags(const CLI::App& cmd, const DistFlags& flags, const train::TrainOptions& opt, bool json);

}  // namespace tern::cli
