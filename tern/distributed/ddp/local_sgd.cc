#include "tern/distributed/ddp/local_sgd.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/counting_communicator.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/io/checkpoint.h"

namespace tern::distributed::ddp {

namespace {

// Local steps of the round that measures a step when tau0 is chosen.
constexpr int64_t kProbeSteps = 6;
// With tau = 1 (gradient averaging) there is no model average to pair the
// control values with; they travel once per this many steps, which is then
// one round of the log (their latency each step would slow synchronous SGD
// down: 12% on LeNet-5 at 75 Mbit/s).
constexpr int64_t kGradientRoundSteps = 16;
// The small control messages take the backend's own collectives (fewer
// hops than a ring for a few numbers).
constexpr collectives::Algorithm kControl = collectives::Algorithm::native;

bool is_counter(const std::string& name) {
  return name == "lr" || name == "step" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".step") == 0);
}

}  // namespace

LocalSgdContext::LocalSgdContext(comm::Communicator& comm, const AllreduceSetup& setup, bool fp16,
                                 CommSchedule schedule, strategy::Inform inform)
    : comm_(comm), setup_(setup), fp16_(fp16), schedule_(std::move(schedule)), inform_(std::move(inform)) {
  TERN_ASSERT(!fp16_ || setup_.fp16, "LocalSgdContext: fp16 averaging without an fp16 reducer");
}

LocalSgdContext::~LocalSgdContext() = default;

std::string LocalSgdContext::state_path(const std::string& checkpoint) { return checkpoint + ".localsgd.json"; }

std::string LocalSgdContext::rank_state_path(const std::string& checkpoint, int rank) {
  return checkpoint + ".localsgd.rank" + std::to_string(rank);
}

void LocalSgdContext::start(nn::Module& model, optim::Optimizer& optimizer) {
  broadcast_state(comm_, model);
  optimizer_ = &optimizer;
  params_.clear();
  int64_t total = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    TERN_CHECK(p.dtype() == DType::f32 && p.is_contiguous(), "local SGD needs contiguous float32 parameters; ", name,
               " is not");
    params_.push_back(p);
    total += p.numel();
  }
  buffer_.assign(total, 0.0f);
  ddp_ = std::make_unique<DataParallel>(comm_, model, setup_.ddp);
  ddp_->set_active(schedule_.tau() == 1);
  if (fp16_) read_params(anchor_);
  if (schedule_.adaptive() && schedule_.tau0() == 0) {
    // tau0 from measurements: three all-reduces of a model-sized buffer (rank
    // 0's fastest) now, local steps over a first round of kProbeSteps.
    std::vector<float> scratch(total, 0.0f);
    double best = 1e300;
    for (int rep = 0; rep < 3; ++rep) {
      comm_.barrier();
      Timer t;
      if (fp16_) setup_.fp16->reduce(comm_, scratch);
      else setup_.allreduce(comm_, scratch);
      best = std::min(best, t.seconds());
    }
    allreduce_probe_seconds_ = best;
    schedule_.set_tau(kProbeSteps);
    ddp_->set_active(false);
  }
}

void LocalSgdContext::use_period(int64_t tau) {
  const bool was_sync = ddp_->active();
  const bool sync = tau == 1;
  if (sync && !was_sync && optimizer_ && optimizer_->steps() > 0) average_optimizer_state();
  if (!sync && fp16_) read_params(anchor_);
  ddp_->set_active(sync);
}

double LocalSgdContext::now() const { return clock_base_ + (clock_running_ ? segment_.seconds() : 0.0); }

double LocalSgdContext::bytes_sent() const {
  const auto* counting = dynamic_cast<const comm::CountingCommunicator*>(&comm_);
  return bytes_base_ + (counting ? static_cast<double>(counting->counters().bytes_sent.load()) : 0.0);
}

void LocalSgdContext::before_backward(nn::Module&) {
  if (!clock_running_) {
    segment_.reset();
    clock_running_ = true;
    step_timer_.reset();
  }
  if (ddp_->active()) ddp_->prepare_step();
}

bool LocalSgdContext::after_backward(nn::Module&, int64_t epoch) {
  epoch_ = epoch + 1;
  if (ddp_->active()) ddp_->finish_step();
  return true;  // the loop steps the local optimiser
}

void LocalSgdContext::after_step(nn::Module&, double loss) {
  if (!have_first_ && !schedule_.begun()) {
    first_loss_ = loss;
    have_first_ = true;
  }
  if (schedule_.adaptive() && !schedule_.begun()) {
    step_seconds_.push_back(step_timer_.seconds());
    step_timer_.reset();
  }
  round_loss_ += loss;
  ++round_steps_;
  ++step_;
  if (round_steps_ >= (ddp_->active() ? kGradientRoundSteps : schedule_.tau())) sync();
}

void LocalSgdContext::read_params(std::vector<float>& dst) const {
  dst.resize(buffer_.size());
  size_t at = 0;
  for (const Tensor& p : params_) {
    std::copy_n(p.data<float>(), p.numel(), dst.data() + at);
    at += p.numel();
  }
}

void LocalSgdContext::write_params(const std::vector<float>& src) {
  size_t at = 0;
  for (Tensor& p : params_) {
    std::copy_n(src.data() + at, p.numel(), p.data<float>());
    at += p.numel();
  }
}

void LocalSgdContext::average_models() {
  Timer t;
  const float scale = 1.0f / static_cast<float>(comm_.size());
  read_params(buffer_);
  if (fp16_) {
    // The change since the last average travels in half precision (the
    // weights themselves would lose their low bits); the anchor is exact.
    for (size_t i = 0; i < buffer_.size(); ++i) buffer_[i] -= anchor_[i];
    setup_.fp16->reduce(comm_, buffer_);
    for (size_t i = 0; i < buffer_.size(); ++i) anchor_[i] += buffer_[i] * scale;
    write_params(anchor_);
  } else {
    setup_.allreduce(comm_, buffer_);
    for (float& v : buffer_) v *= scale;
    write_params(buffer_);
  }
  averaging_seconds_ += t.seconds();
}

void LocalSgdContext::average_optimizer_state() {
  optim::NamedTensors state = optimizer_->state_dict();  // copies
  const double inv = 1.0 / comm_.size();
  double entries = static_cast<double>(state.size());
  collectives::allreduce(comm_, std::span<double>(&entries, 1));
  TERN_CHECK(entries == static_cast<double>(state.size()) * comm_.size(),
             "local SGD: the ranks' optimiser states differ in layout; cannot average them");
  for (auto& [name, t] : state) {
    if (is_counter(name)) continue;
    if (t.dtype() == DType::f32) {
      std::span<float> d(t.data<float>(), t.numel());
      collectives::allreduce(comm_, d);
      for (float& v : d) v = static_cast<float>(v * inv);
    } else if (t.dtype() == DType::f64) {
      std::span<double> d(t.data<double>(), t.numel());
      collectives::allreduce(comm_, d);
      for (double& v : d) v *= inv;
    }
  }
  optimizer_->load_state_dict(state);
}

void LocalSgdContext::sync() {
  const int64_t tau = schedule_.tau();
  if (!ddp_->active()) average_models();  // with tau = 1 the gradients were averaged already
  // Round loss, F_0 candidates and rank 0's clock; zeros elsewhere make the
  // clock's sum exact, so every rank sees the same time.
  const double seconds_here = now();
  double control[5] = {round_loss_, static_cast<double>(round_steps_), have_first_ ? first_loss_ : 0.0,
                       have_first_ ? 1.0 : 0.0, comm_.rank() == 0 ? seconds_here : 0.0};
  collectives::allreduce(comm_, std::span<double>(control, 5), kControl);
  const double seconds = control[4];
  ++round_;
  SyncRecord rec;
  rec.round = round_;
  rec.epoch = epoch_;
  rec.step = step_;
  rec.seconds = seconds;
  rec.tau = tau;
  rec.steps = round_steps_;
  rec.loss = control[1] > 0 ? control[0] / control[1] : 0.0;
  rec.lr = optimizer_->lr();
  round_loss_ = 0;
  round_steps_ = 0;

  if (schedule_.adaptive() && !schedule_.begun()) {
    TERN_CHECK(control[3] == comm_.size(), "adacomm: not every rank measured its first loss");
    const double loss0 = control[2] / control[3];
    int64_t tau0 = schedule_.tau0();
    if (tau0 == 0) {
      // Rank 0's measurements decide.
      double chosen = 0;
      if (comm_.rank() == 0) {
        std::vector<double> steps(step_seconds_.begin() + (step_seconds_.size() > 1 ? 1 : 0), step_seconds_.end());
        std::sort(steps.begin(), steps.end());
        const Tau0Choice c = choose_tau0(steps[steps.size() / 2], allreduce_probe_seconds_);
        chosen = static_cast<double>(c.tau0);
        tau0_reason_ = c.reason;
      }
      collectives::broadcast(comm_, std::span<double>(&chosen, 1), 0, kControl);
      tau0 = static_cast<int64_t>(chosen);
      inform_("adacomm: tau0 = " + std::to_string(tau0) + " (" + tau0_reason_ + ")");
    } else {
      tau0_reason_ = "given (--tau0)";
    }
    schedule_.begin(tau0, loss0, rec.lr, 0.0, 0, 0);
    have_first_ = false;
    step_seconds_.clear();
  }
  if (schedule_.due(seconds)) {
    // Rank 0 decides from its own copy of the round's loss; everyone applies it.
    double chosen = comm_.rank() == 0 ? static_cast<double>(schedule_.propose(rec.loss, rec.lr)) : 0.0;
    collectives::broadcast(comm_, std::span<double>(&chosen, 1), 0, kControl);
    schedule_.apply({round_, step_, seconds, rec.loss, rec.lr, static_cast<int64_t>(chosen)});
    rec.decided = true;
  }
  rec.next_tau = schedule_.tau();
  rec.bytes_sent = bytes_sent();
  if (rec.next_tau != tau || (ddp_->active() != (rec.next_tau == 1))) use_period(rec.next_tau);
  if (comm_.rank() == 0) syncs_.push_back(rec);
}

void LocalSgdContext::end_epoch(nn::Module& model) {
  if (round_steps_ > 0) sync();  // the epoch's last round, cut short
  if (clock_running_) {
    clock_base_ += segment_.seconds();
    clock_running_ = false;
  }
  average_buffers(comm_, model);
}

void LocalSgdContext::sum(std::span<double> values) { collectives::allreduce(comm_, values); }

void LocalSgdContext::save_state(const std::string& checkpoint, int64_t epochs_done) {
  io::CheckpointMeta meta;
  meta.optimizer = optimizer_->kind();
  meta.epoch = epochs_done;
  meta.step = step_;
  io::save_checkpoint(rank_state_path(checkpoint, comm_.rank()), {}, optimizer_->state_dict(), meta);
  if (comm_.rank() != 0) return;
  nlohmann::json j = {{"format", "tern.localsgd.v1"}, {"epochs_done", epochs_done}, {"round", round_},
                      {"step", step_}, {"clock", clock_base_}, {"bytes_sent", bytes_sent()},
                      {"tau0_reason", tau0_reason_}};
  j["schedule"] = schedule_.to_json();
  j["syncs"] = sync_records_json(syncs_);
  write_file_atomic(state_path(checkpoint), j.dump());
}

namespace {

void warn(const std::string& path, const std::string& why, const char* what) {
  std::fprintf(stderr, "tern: warning: %s %s; %s\n", path.c_str(), why.c_str(), what);
}

}  // namespace

void LocalSgdContext::restore_state(const std::string& checkpoint, int64_t epochs_done) {
  const std::string rank_path = rank_state_path(checkpoint, comm_.rank());
  if (std::filesystem::exists(rank_path)) {
    const io::Checkpoint ck = io::load_checkpoint(rank_path);
    if (ck.meta.epoch == epochs_done) optimizer_->load_state_dict(ck.optim);
    else warn(rank_path, "is from another epoch", "this rank starts from rank 0's optimiser state");
  } else if (comm_.rank() == 0) {
    warn(rank_path, "is missing", "every rank starts from rank 0's optimiser state");
  }
  const std::string path = state_path(checkpoint);
  if (!std::filesystem::exists(path)) {
    if (comm_.rank() == 0) warn(path, "is missing", "the communication schedule starts afresh");
    return;
  }
  const LocalSgdResume r = read_local_sgd_state(read_file(path), path);
  if (r.epochs_done != epochs_done) {
    if (comm_.rank() == 0) warn(path, "is from another epoch", "the communication schedule starts afresh");
    return;
  }
  TERN_CHECK_T(IOError, r.schedule.adaptive() == schedule_.adaptive(), path, " holds a ",
               r.schedule.adaptive() ? "adacomm" : "localsgd", " schedule; this run is ",
               schedule_.adaptive() ? "--dist adacomm" : "--dist localsgd");
  if (!schedule_.adaptive()) {
    // A fixed period comes from the flags; keep the log only.
  } else {
    TERN_CHECK_T(IOError, r.schedule.interval() == schedule_.interval() &&
                              (schedule_.tau0() == 0 || r.schedule.tau0() == schedule_.tau0()),
                 path, " was written with --tau0 ", r.schedule.tau0(), " --adacomm-interval ",
                 r.schedule.interval(), "; give the same to resume");
    schedule_ = r.schedule;
  }
  round_ = r.round;
  step_ = r.step;
  clock_base_ = r.clock;
  bytes_base_ = r.bytes_sent;
  tau0_reason_ = r.tau0_reason;
  if (comm_.rank() == 0) syncs_ = r.syncs;
  // Saved at an epoch's end, right after a sync: the replicas (and, in
  // gradient-averaging mode, their optimiser states) agree already.
  ddp_->set_active(schedule_.tau() == 1);
}

LocalSgdResume read_local_sgd_state(const std::string& text, const std::string& what) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(str_cat(what, ": not JSON (", e.what(), ")"));
  }
  TERN_CHECK_T(IOError, j.is_object() && j.value("format", "") == "tern.localsgd.v1", what,
               ": not a local SGD state file (format tern.localsgd.v1)");
  auto num = [&](const char* key) {
    TERN_CHECK_T(IOError, j.contains(key) && j.at(key).is_number() && std::isfinite(j.at(key).get<double>()) &&
                              j.at(key).get<double>() >= 0,
                 what, ": '", key, "' is missing or not a number >= 0");
    return j.at(key).get<double>();
  };
  auto count = [&](const char* key) {
    const double v = num(key);
    TERN_CHECK_T(IOError, v == std::floor(v) && v < 9.0e15, what, ": '", key, "' is not an integer");
    return static_cast<int64_t>(v);
  };
  LocalSgdResume r;
  r.epochs_done = count("epochs_done");
  r.round = count("round");
  r.step = count("step");
  r.clock = num("clock");
  r.bytes_sent = num("bytes_sent");
  TERN_CHECK_T(IOError, j.contains("tau0_reason") && j.at("tau0_reason").is_string(), what,
               ": 'tau0_reason' is missing or not text");
  r.tau0_reason = j.at("tau0_reason").get<std::string>();
  TERN_CHECK_T(IOError, j.contains("schedule") && j.contains("syncs"), what, ": 'schedule' or 'syncs' is missing");
  r.schedule = CommSchedule::from_json(j.at("schedule"), what);
  r.syncs = sync_records_from_json(j.at("syncs"), what);
  return r;
}

}  // namespace tern::distributed::ddp
