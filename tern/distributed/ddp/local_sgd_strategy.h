// `--dist localsgd` (fixed period) and `--dist adacomm` (Wang & Joshi's
// adaptive period) as distributed strategies: LocalSgdContext (local_sgd.h)
// in the ordinary training loop.
#pragma once

#include "tern/distributed/strategy/strategy.h"

namespace tern::distributed::ddp {

// Registry entries "localsgd" and "adacomm": their options and factories.
strategy::Registry::Entry localsgd_strategy();
strategy::Registry::Entry adacomm_strategy();

}  // namespace tern::distributed::ddp
