// The all-reduce options shared by the strategies of this folder (`--dist
// allreduce`, `localsgd`, `adacomm`): which collective (`--allreduce`,
// `--factors`), bucket size and overlap, and the codec (`--codec`), read
// from flags and turned into DdpOptions for one run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tern/base/args.h"
#include "tern/base/registry.h"
#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/ddp/data_parallel.h"
#include "tern/distributed/ddp/fp16_reducer.h"
#include "tern/distributed/strategy/strategy.h"

namespace tern::distributed::ddp {

struct AllreduceOptions {
  std::string algorithm = "ring";  // ring | hd | mpi | blueconnect
  std::string factors = "auto";    // blueconnect: AxB... or auto
  int64_t bucket_kb = 1024;
  bool overlap = true;
  std::string codec = "none";      // none | fp16 | powersgd
  int64_t powersgd_rank = 4;
  int64_t powersgd_seed = 0;
};

// Reads --allreduce, --factors, --bucket-kb, --no-overlap and --codec (and,
// with PowerSGD allowed, --codec-arg). Throws ValueError for a bad
// combination. `dist` names the strategy in messages.
AllreduceOptions read_allreduce_options(const Args& a, const std::string& dist, bool allow_powersgd);

// Their ArgDocs (with PowerSGD: --codec-arg too).
std::vector<ArgDoc> allreduce_arg_docs(bool allow_powersgd);

// What one run needs: DdpOptions for gradient averaging, and the objects they
// point to (BlueConnect's plan, the fp16 reducer) kept alive here.
struct AllreduceSetup {
  DdpOptions ddp;
  std::shared_ptr<collectives::BlueConnect> blueconnect;
  std::shared_ptr<Fp16Reducer> fp16;
  // Sums a buffer over `comm` with the chosen collective (fp32; the fp16
  // codec is left to the caller, which decides what to round).
  void allreduce(comm::Communicator& comm, std::span<float> data) const;
};
AllreduceSetup make_allreduce(const AllreduceOptions& o, comm::Communicator& world, const strategy::Inform& inform);

}  // namespace tern::distributed::ddp
