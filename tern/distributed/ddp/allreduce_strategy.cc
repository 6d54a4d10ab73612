#include "tern/distributed/ddp/allreduce_strategy.h"

#include <cstdio>

#include "tern/base/error.h"
#include "tern/distributed/ddp/allreduce_options.h"
#include "tern/distributed/ddp/ddp_trainer.h"

namespace tern::distributed::ddp {

namespace {

class AllreduceStrategy final : public strategy::Strategy {
 public:
  explicit AllreduceStrategy(AllreduceOptions o) : o_(std::move(o)) {}

  strategy::Outcome run(const train::TrainOptions& opt, comm::Communicator& world,
                        const strategy::Inform& inform) override {
    const AllreduceSetup setup = make_allreduce(o_, world, inform);
    strategy::Outcome out;
    out.train = train_data_parallel(opt, setup.ddp, world, &exposed_seconds_);
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
  return {"allreduce", "data-parallel: every rank trains, gradients are averaged by all-reduce",
          allreduce_arg_docs(true),
          [](const Args& a, const train::TrainOptions&) -> std::unique_ptr<strategy::Strategy> {
            return std::make_unique<AllreduceStrategy>(read_allreduce_options(a, "allreduce", true));
          }};
}

}  // namespace tern::distributed::ddp
