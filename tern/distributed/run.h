// Distributed training runs: the library entry point behind
// `tern train --dist NAME` (and the Python front end). Two steps, so that
// mistakes are reported before MPI starts:
//
//   auto plan = distributed::plan_run("ps", flags, train_options);   // checks everything it can, no MPI
//   distributed::RunReport r = distributed::run(plan, {.inform = print});  // under mpirun, on every rank
//   if (r.leader) print(distributed::report_json(r));
//
// Strategies come from one registry (strategies.cc: one line each); each
// reads its own options from `flags` (Args with "--" keys, e.g. servers=2).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tern/distributed/strategy/strategy.h"

namespace tern::distributed {

// Every registered strategy: allreduce, ps, ...
const strategy::Registry& strategy_registry();

struct RunPlan {
  std::string strategy;  // its registry name
  std::unique_ptr<strategy::Strategy> impl;
  train::TrainOptions options;  // batch_size is the global batch
};

// Builds the strategy `name` from `flags` (keys without "--") for a run with
// `options`. Throws ValueError on any flag mistake: an unknown strategy, a
// bad value, a flag of another strategy ("--servers needs --dist ps").
RunPlan plan_run(const std::string& name, const Args& flags, const train::TrainOptions& options);
// The flags of every strategy, merged by key (for front ends that turn them
// into command-line options); help texts are prefixed with the strategies
// that take the key ("ps: server ranks ...").
std::vector<ArgDoc> strategy_flags();
// Throws ValueError naming the first strategy flag in `flags` (for a run
// without --dist, where none applies).
void reject_strategy_flags(const Args& flags);

struct RankTraffic {
  int rank = 0;
  std::string role;
  double bytes_sent = 0, bytes_received = 0;
};

struct RunReport {
  bool leader = false;  // rank 0: the report below is complete only here
  int ranks = 0;
  std::string strategy;
  train::TrainOptions options;
  train::TrainResult result;
  std::vector<RankTraffic> traffic;      // every rank's bytes, gathered on rank 0
  nlohmann::json details;                // the strategy's own fields
  std::vector<std::string> summary;      // the strategy's own report lines
};

struct RunHooks {
  strategy::Inform inform = [](const std::string&) {};  // rank 0's progress lines
  std::string program = "tern";                         // error lines read "<program>: error: ..."
};

// Runs `plan` on this rank of the MPI job (MPI starts here). The global batch
// is split evenly over the workers. An error on any rank is printed as one
// line naming the rank and ends the whole job (the other ranks would wait
// for this one until their timeout): this function then does not return.
RunReport run(RunPlan& plan, const RunHooks& hooks = {});

// The JSON report `tern train --dist ... --json` prints.
nlohmann::json report_json(const RunReport& r);
// The text report: per-rank traffic, the strategy's lines, the result.
std::vector<std::string> report_lines(const RunReport& r);

}  // namespace tern::distributed
