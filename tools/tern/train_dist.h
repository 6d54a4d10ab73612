// `tern train --dist allreduce|ps`: the distributed half of `tern train`,
// compiled only when the distributed trainers are part of the build.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>

#include "tern/train/trainer.h"

namespace tern::cli {

struct DistFlags;

// Adds --dist and its options to `tern train`; returns the flags they fill.
std::shared_ptr<DistFlags> add_dist_train_options(CLI::App& cmd);
// True if --dist asked for a distributed run (then it ran and reported).
bool run_dist_train(const DistFlags& flags, train::TrainOptions opt, bool json);

}  // namespace tern::cli
