#include "tern/distributed/ddp/local_sgd_strategy.h"

#include <cstdio>
#include <filesystem>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/distributed/ddp/allreduce_options.h"
#include "tern/distributed/ddp/local_sgd.h"

namespace tern::distributed::ddp {

namespace {

struct LocalSgdOptions {
  AllreduceOptions allreduce;
  bool adaptive = false;
  int64_t tau = 8;         // localsgd
  int64_t tau0 = 0;        // adacomm; 0: chosen from measurements
  double interval = 10;    // adacomm, seconds
  std::string history_out;
};

constexpr int64_t kMaxTau = int64_t{1} << 20;

std::string read_history_out(const Args& a) {
  const std::string path = a.get_string("history-out", "");
  if (path.empty()) return path;
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  std::error_code ec;
  TERN_CHECK_T(IOError, fs::is_directory(dir, ec), "--history-out ", quote(path), ": folder ", quote(dir.string()),
               " does not exist");
  return path;
}

class LocalSgdStrategy final : public strategy::Strategy {
 public:
  explicit LocalSgdStrategy(LocalSgdOptions o) : o_(std::move(o)) {}

  strategy::Outcome run(const train::TrainOptions& opt, comm::Communicator& world,
                        const strategy::Inform& inform) override {
    const AllreduceSetup setup = make_allreduce(o_.allreduce, world, inform);
    CommSchedule schedule = o_.adaptive ? CommSchedule::adaptive(o_.tau0, o_.interval) : CommSchedule::fixed(o_.tau);
    LocalSgdContext context(world, setup, o_.allreduce.codec == "fp16", std::move(schedule), inform);
    strategy::Outcome out;
    out.train = train::train(opt, {}, &context);
    schedule_ = context.schedule();
    syncs_ = context.syncs();
    tau0_reason_ = context.tau0_reason();
    averaging_seconds_ = context.averaging_seconds();
    if (world.rank() == 0 && !o_.history_out.empty()) write_file_atomic(o_.history_out, sync_records_csv(syncs_));
    return out;
  }

  void describe(nlohmann::json& j) const override {
    nlohmann::json l;
    l["schedule"] = o_.adaptive ? "adacomm" : "fixed";
    l["codec"] = o_.allreduce.codec;
    l["syncs_count"] = syncs_.size();
    l["averaging_seconds_rank0"] = averaging_seconds_;
    l["train_seconds"] = syncs_.empty() ? 0.0 : syncs_.back().seconds;
    nlohmann::json taus = nlohmann::json::array();
    if (o_.adaptive) {
      l["tau0"] = schedule_.tau0();
      l["tau0_reason"] = tau0_reason_;
      l["interval_seconds"] = schedule_.interval();
      l["rule"] = "tau_l = max(1, ceil(sqrt((lr_l * F_l) / (lr_0 * F_0)) * tau_0))";
      l["decisions"] = schedule_.to_json()["decisions"];
      for (const Decision& d : schedule_.decisions()) taus.push_back(d.tau);
    } else {
      l["tau"] = o_.tau;
      taus.push_back(o_.tau);
    }
    l["tau_sequence"] = taus;
    l["syncs"] = sync_records_json(syncs_);
    j["localsgd"] = l;
  }

  std::vector<std::string> summary() const override {
    std::string taus;
    if (o_.adaptive) {
      const auto& d = schedule_.decisions();
      const size_t shown = std::min<size_t>(d.size(), 40);
      for (size_t i = 0; i < shown; ++i) {
        if (i) taus += ' ';  // not literal + std::string&&: GCC 12's -Wrestrict false positive
        taus += std::to_string(d[i].tau);
      }
      if (shown < d.size()) taus += " ...";
    }
    char buf[160];
    std::snprintf(buf, sizeof buf, "%zu model averages, rank 0 spent %.2f s in them", syncs_.size(),
                  averaging_seconds_);
    std::vector<std::string> out = {buf};
    if (o_.adaptive) {
      out.push_back("adacomm: tau0 = " + std::to_string(schedule_.tau0()) + " (" + tau0_reason_ + ")");
      out.push_back("adacomm: tau at each decision: " + taus);
    } else {
      out.push_back("local SGD: tau = " + std::to_string(o_.tau));
    }
    return out;
  }

 private:
  LocalSgdOptions o_;
  CommSchedule schedule_;
  std::vector<SyncRecord> syncs_;
  std::string tau0_reason_;
  double averaging_seconds_ = 0;
};

std::vector<ArgDoc> shared_docs() {
  std::vector<ArgDoc> docs = allreduce_arg_docs(false);
  docs.push_back({"history-out", "CSV of every model average (time, tau, loss, bytes), written at the end", "", false,
                  false, "FILE"});
  return docs;
}

}  // namespace

strategy::Registry::Entry localsgd_strategy() {
  std::vector<ArgDoc> docs = shared_docs();
  docs.insert(docs.begin(), {"tau", "local steps between model averages (1: synchronous SGD)", "8", false, false,
                             "INT"});
  return {"localsgd", "local SGD: every rank takes --tau local steps, then the models are averaged by all-reduce",
          docs, [](const Args& a, const train::TrainOptions&) -> std::unique_ptr<strategy::Strategy> {
            LocalSgdOptions o;
            o.allreduce = read_allreduce_options(a, "localsgd", false);
            o.tau = a.get_int("tau", o.tau, {.min = 1, .max = kMaxTau});
            o.history_out = read_history_out(a);
            return std::make_unique<LocalSgdStrategy>(o);
          }};
}

strategy::Registry::Entry adacomm_strategy() {
  std::vector<ArgDoc> docs = shared_docs();
  docs.insert(docs.begin(),
              {{"tau0", "initial period (default: from one measured all-reduce over one local step)", "auto", false,
                false, "INT"},
               {"adacomm-interval", "seconds of training between period decisions", "10", false, false, "SECONDS"}});
  return {"adacomm",
          "AdaComm (Wang & Joshi): local SGD whose period falls with sqrt of the training loss, decided every "
          "--adacomm-interval seconds",
          docs, [](const Args& a, const train::TrainOptions&) -> std::unique_ptr<strategy::Strategy> {
            LocalSgdOptions o;
            o.adaptive = true;
            o.allreduce = read_allreduce_options(a, "adacomm", false);
            o.tau0 = a.has("tau0") ? a.get_int("tau0", 0, {.min = 1, .max = kMaxTau}) : 0;
            o.interval = a.get_double("adacomm-interval", o.interval, {.min = 0, .max = 1e9, .min_exclusive = true});
            o.history_out = read_history_out(a);
            return std::make_unique<LocalSgdStrategy>(o);
          }};
}

}  // namespace tern::distributed::ddp
