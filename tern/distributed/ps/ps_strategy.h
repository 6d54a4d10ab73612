// `--dist ps`: parameter-server training (ps_trainer.h) as a distributed
// strategy (tern/distributed/strategy/strategy.h): the last --servers ranks
// hold the model and step it, the others train and push gradients through
// the chosen codecs.
#pragma once

#include "tern/distributed/strategy/strategy.h"

namespace tern::distributed::ps {

// The registry entry: name "ps", its options and factory.
strategy::Registry::Entry ps_strategy();

}  // namespace tern::distributed::ps
