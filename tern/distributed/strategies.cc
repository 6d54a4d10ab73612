// The registry of distributed training strategies. Adding one: its folder
// (an implementation of tern/distributed/strategy/strategy.h and an entry
// function) plus one line here.
#include "tern/distributed/ddp/allreduce_strategy.h"
#include "tern/distributed/ddp/local_sgd_strategy.h"
#include "tern/distributed/ps/ps_strategy.h"
#include "tern/distributed/run.h"

namespace tern::distributed {

const strategy::Registry& strategy_registry() {
  static const strategy::Registry r = [] {
    strategy::Registry reg("strategy");
    reg.add(ddp::allreduce_strategy());
    reg.add(ddp::localsgd_strategy());
    reg.add(ddp::adacomm_strategy());
    reg.add(ps::ps_strategy());
    return reg;
  }();
  return r;
}

}  // namespace tern::distributed
