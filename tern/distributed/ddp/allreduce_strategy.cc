#include "tern/distributed/ddp/allreduce_strategy.h"

#include <cstdio>

#include "tern/base/error.h"
#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/collectives/blueconnect_auto.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/ddp/ddp_trainer.h"
#include "tern/distributed/ddp/fp16_reducer.h"
#include "tern/distributed/ddp/powersgd_reducer.h"

namespace tern::distributed::ddp {

namespace {

struct AllreduceOptions {
  std::string algorithm = "ring";  // ring | hd | mpi | blueconnect
  std::string factors = "auto";    // blueconnect: AxB... or auto
  int64_t bucket_kb = 1024;
  bool overlap = true;
  std::string codec = "none";      // none | fp16 | powersgd
  int64_t powersgd_rank = 4;
  int64_t powersgd_seed = 0;
};

AllreduceOptions read_options(const Args& a) {
  AllreduceOptions o;
  o.algorithm = a.get_choice("allreduce", o.algorithm, {"ring", "hd", "mpi", "blueconnect"});
  o.factors = a.get_string("factors", o.factors);
  o.bucket_kb = a.get_int("bucket-kb", o.bucket_kb, {.min = 1, .max = int64_t{1} << 30});
  o.overlap = !a.get_bool("no-overlap", false);
  o.codec = a.get_string("codec", o.codec);
  TERN_CHECK(o.codec == "none" || o.codec == "powersgd" || o.codec == "fp16", "--codec ", o.codec,
             " needs --dist ps: its streams cannot be summed inside an all-reduce (with --dist allreduce ",
             "use --codec fp16 or powersgd, whose values or low-rank factors can)");
  TERN_CHECK(o.codec != "fp16" || o.algorithm == "ring" || o.algorithm == "hd",
             "--codec fp16 needs --allreduce ring or hd (tern's own collectives sum in half precision; ", o.algorithm,
             " cannot)");
  TERN_CHECK(!a.has("factors") || o.algorithm == "blueconnect", "--factors needs --allreduce blueconnect");
  const std::string codec_args = a.get_string("codec-arg", "");
  Args args("codec argument ");
  if (!codec_args.empty())
    for (const std::string& kv : split(codec_args, ',')) args.add(kv);
  if (o.codec == "powersgd") {
    o.powersgd_rank = args.get_int("rank", 4, {.min = 1, .max = 1024});
    o.powersgd_seed = args.get_int("seed", 0, {.min = 0});
    TERN_CHECK(args.unread().empty(), "--dist allreduce --codec powersgd takes rank=R and seed=S, not ",
               args.unread().front());
  } else {
    TERN_CHECK(args.empty(), "--dist allreduce --codec ", o.codec, " takes no --codec-arg");
  }
  return o;
}

class AllreduceStrategy final : public strategy::Strategy {
 public:
  explicit AllreduceStrategy(AllreduceOptions o) : o_(std::move(o)) {}

  strategy::Outcome run(const train::TrainOptions& opt, comm::Communicator& world,
                        const strategy::Inform& inform) override {
    DdpOptions d;
    d.bucket_bytes = o_.bucket_kb * 1024;
    if (o_.codec == "powersgd") {
      auto powersgd = std::make_shared<PowerSgdReducer>(o_.powersgd_rank, o_.powersgd_seed);
      d.reduce_bucket = [powersgd](comm::Communicator& c, std::span<float> bucket, std::span<const BucketSlot> slots) {
        powersgd->reduce(c, bucket, slots);
      };
    } else if (o_.codec == "fp16") {
      auto fp16 = std::make_shared<Fp16Reducer>(collectives::parse_algorithm(o_.algorithm));
      d.reduce_bucket = [fp16](comm::Communicator& c, std::span<float> bucket, std::span<const BucketSlot>) {
        fp16->reduce(c, bucket);
      };
    }
    std::unique_ptr<collectives::BlueConnect> blueconnect;
    if (o_.algorithm == "blueconnect") {
      const collectives::BlueConnectPlan plan =
          o_.factors == "auto" ? collectives::plan_blueconnect_auto(world, d.bucket_bytes)
                               : collectives::parse_blueconnect_plan(o_.factors, world.size());
      blueconnect = std::make_unique<collectives::BlueConnect>(world, plan);
      inform("blueconnect plan: " + collectives::format_blueconnect_plan(plan));
      d.allreduce = [bc = blueconnect.get()](comm::Communicator&, std::span<float> data) { bc->allreduce(data); };
    } else {
      d.algorithm = collectives::parse_algorithm(o_.algorithm);
    }
    d.overlap = o_.overlap;
    if (d.overlap) comm::set_wait_backoff(std::chrono::microseconds(50));  // leave the core to backward
    strategy::Outcome out;
    out.train = train_data_parallel(opt, d, world, &exposed_seconds_);
    return out;
  }

  void describe(nlohmann::json& j) const override {
    j["exposed_comm_seconds_rank0"] = exposed_seconds_;
    j["codec"] = o_.codec;
  }

  std::vector<std::string> summary() const override {
    return {str_cat("rank 0 waited ", fixed2(exposed_seconds_), " s for gradients after backward")};
  }

 private:
  static std::string fixed2(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
  }
  AllreduceOptions o_;
  double exposed_seconds_ = 0;
};

}  // namespace

strategy::Registry::Entry allreduce_strategy() {
  return {"allreduce",
          "data-parallel: every rank trains, gradients are averaged by all-reduce",
          {{"allreduce", "ring, hd (halving-doubling), mpi or blueconnect", "ring", false, false, "NAME"},
           {"factors", "with --allreduce blueconnect: AxB... (coordinate 0 fastest) or auto (cost model, probed links)",
            "auto", false, false, "AxB|auto"},
           {"bucket-kb", "gradient bucket size in KiB", "1024", false, false, "INT"},
           {"no-overlap", "reduce all buckets after backward instead of during it", "", true},
           {"codec", "none, fp16 or powersgd", "none", false, false, "NAME"},
           {"codec-arg", "powersgd: rank=R, seed=S (repeatable)", "", false, true, "K=V"}},
          [](const Args& a, const train::TrainOptions&) -> std::unique_ptr<strategy::Strategy> {
            return std::make_unique<AllreduceStrategy>(read_options(a));
          }};
}

}  // namespace tern::distributed::ddp
