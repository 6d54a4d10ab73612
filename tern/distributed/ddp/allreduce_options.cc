#include "tern/distributed/ddp/allreduce_options.h"

#include "tern/base/error.h"
#include "tern/distributed/collectives/blueconnect_auto.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/ddp/powersgd_reducer.h"

namespace tern::distributed::ddp {

AllreduceOptions read_allreduce_options(const Args& a, const std::string& dist, bool allow_powersgd) {
  AllreduceOptions o;
  o.algorithm = a.get_choice("allreduce", o.algorithm, {"ring", "hd", "mpi", "blueconnect"});
  o.factors = a.get_string("factors", o.factors);
  o.bucket_kb = a.get_int("bucket-kb", o.bucket_kb, {.min = 1, .max = int64_t{1} << 30});
  o.overlap = !a.get_bool("no-overlap", false);
  o.codec = a.get_string("codec", o.codec);
  if (allow_powersgd) {
    TERN_CHECK(o.codec == "none" || o.codec == "powersgd" || o.codec == "fp16", "--codec ", o.codec,
               " needs --dist ps: its streams cannot be summed inside an all-reduce (with --dist ", dist,
               " use --codec fp16 or powersgd, whose values or low-rank factors can)");
  } else {
    TERN_CHECK(o.codec == "none" || o.codec == "fp16", "--dist ", dist, " takes --codec none or fp16 (models are ",
               "averaged inside an all-reduce), not ", o.codec);
  }
  TERN_CHECK(o.codec != "fp16" || o.algorithm == "ring" || o.algorithm == "hd",
             "--codec fp16 needs --allreduce ring or hd (tern's own collectives sum in half precision; ", o.algorithm,
             " cannot)");
  TERN_CHECK(!a.has("factors") || o.algorithm == "blueconnect", "--factors needs --allreduce blueconnect");
  if (!allow_powersgd) return o;
  const std::string codec_args = a.get_string("codec-arg", "");
  Args args("codec argument ");
  if (!codec_args.empty())
    for (const std::string& kv : split(codec_args, ',')) args.add(kv);
  if (o.codec == "powersgd") {
    o.powersgd_rank = args.get_int("rank", 4, {.min = 1, .max = 1024});
    o.powersgd_seed = args.get_int("seed", 0, {.min = 0});
    TERN_CHECK(args.unread().empty(), "--dist ", dist, " --codec powersgd takes rank=R and seed=S, not ",
               args.unread().front());
  } else {
    TERN_CHECK(args.empty(), "--dist ", dist, " --codec ", o.codec, " takes no --codec-arg");
  }
  return o;
}

std::vector<ArgDoc> allreduce_arg_docs(bool allow_powersgd) {
  std::vector<ArgDoc> docs = {
      {"allreduce", "ring, hd (halving-doubling), mpi or blueconnect", "ring", false, false, "NAME"},
      {"factors", "with --allreduce blueconnect: AxB... (coordinate 0 fastest) or auto (cost model, probed links)",
       "auto", false, false, "AxB|auto"},
      {"bucket-kb", "gradient bucket size in KiB", "1024", false, false, "INT"},
      {"no-overlap", "reduce all buckets after backward instead of during it", "", true},
      {"codec", allow_powersgd ? "none, fp16 or powersgd" : "none or fp16", "none", false, false, "NAME"}};
  if (allow_powersgd) docs.push_back({"codec-arg", "powersgd: rank=R, seed=S (repeatable)", "", false, true, "K=V"});
  return docs;
}

void AllreduceSetup::allreduce(comm::Communicator& comm, std::span<float> data) const {
  if (ddp.allreduce) ddp.allreduce(comm, data);
  else collectives::allreduce(comm, data, ddp.algorithm);
}

AllreduceSetup make_allreduce(const AllreduceOptions& o, comm::Communicator& world, const strategy::Inform& inform) {
  AllreduceSetup s;
  DdpOptions& d = s.ddp;
  d.bucket_bytes = o.bucket_kb * 1024;
  if (o.codec == "powersgd") {
    auto powersgd = std::make_shared<PowerSgdReducer>(o.powersgd_rank, o.powersgd_seed);
    d.reduce_bucket = [powersgd](comm::Communicator& c, std::span<float> bucket, std::span<const BucketSlot> slots) {
      powersgd->reduce(c, bucket, slots);
    };
  } else if (o.codec == "fp16") {
    s.fp16 = std::make_shared<Fp16Reducer>(collectives::parse_algorithm(o.algorithm));
    d.reduce_bucket = [fp16 = s.fp16](comm::Communicator& c, std::span<float> bucket, std::span<const BucketSlot>) {
      fp16->reduce(c, bucket);
    };
  }
  if (o.algorithm == "blueconnect") {
    const collectives::BlueConnectPlan plan = o.factors == "auto"
                                                  ? collectives::plan_blueconnect_auto(world, d.bucket_bytes)
                                                  : collectives::parse_blueconnect_plan(o.factors, world.size());
    s.blueconnect = std::make_shared<collectives::BlueConnect>(world, plan);
    inform("blueconnect plan: " + collectives::format_blueconnect_plan(plan));
    d.allreduce = [bc = s.blueconnect](comm::Communicator&, std::span<float> data) { bc->allreduce(data); };
  } else {
    d.algorithm = collectives::parse_algorithm(o.algorithm);
  }
  d.overlap = o.overlap;
  if (d.overlap) comm::set_wait_backoff(std::chrono::microseconds(50));  // leave the core to backward
  return s;
}

}  // namespace tern::distributed::ddp
