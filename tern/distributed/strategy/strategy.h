// A distributed training strategy: one way of training a model across the
// ranks of an MPI job (data-parallel all-reduce, parameter server; later
// local SGD, P3 scheduling, robust aggregation, ...). The run layer
// (tern/distributed/run.h) picks one by name from a registry and drives it:
//
//   1. before MPI starts, the strategy's factory reads its options (Args with
//      "--" keys: the CLI's flags) and checks them against the training
//      options, so flag mistakes are one-line errors, not an MPI abort;
//   2. under mpirun, every rank calls run() with the job's communicator;
//   3. rank 0 reports: the training result, describe() in the JSON report,
//      summary() lines in the text report.
//
// A strategy owns its options, their validation and its train::RunContext
// (the seam through which it joins the ordinary training loop).
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tern/base/registry.h"
#include "tern/distributed/comm/communicator.h"
#include "tern/train/trainer.h"

namespace tern::distributed::strategy {

// What this rank did: workers train, other roles (servers) serve.
struct Outcome {
  std::string role = "worker";
  train::TrainResult train;  // workers
  // Fields of this rank's own for the report (rank 0's are shown), e.g.
  // P3's per-layer wait times.
  nlohmann::json details = nlohmann::json::object();
};

// One line for the user, shown by rank 0 as the run goes (e.g. the
// BlueConnect plan it chose); the run layer prints it or not.
using Inform = std::function<void(const std::string&)>;

class Strategy {
 public:
  virtual ~Strategy() = default;
  // How many of `ranks` ranks train (the others serve). Throws ValueError
  // if the strategy cannot run on that many ranks.
  virtual int workers(int ranks) const { return ranks; }
  // This rank's part of the run. opt.batch_size is per worker.
  virtual Outcome run(const train::TrainOptions& opt, comm::Communicator& world, const Inform& inform) = 0;
  // Strategy-specific fields of the JSON report (rank 0, after run()).
  virtual void describe(nlohmann::json& report) const {}
  // Lines of the text report (rank 0, after run()).
  virtual std::vector<std::string> summary() const { return {}; }
};

// Factories read their options from Args and check them against the
// training options they will run with.
using Registry = tern::Registry<std::unique_ptr<Strategy>(const train::TrainOptions&)>;

}  // namespace tern::distributed::strategy
