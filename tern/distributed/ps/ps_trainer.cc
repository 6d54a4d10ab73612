#include "tern/distributed/ps/ps_trainer.h"

#include "tern/base/parallel.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/distributed/ps/p3_worker.h"
#include "tern/distributed/ps/server.h"
#include "tern/distributed/ps/tensor_codec_table.h"
#include "tern/distributed/ps/worker.h"
#include "tern/io/checkpoint.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ps {

namespace {
constexpr const char* kMomentumCorrectionKey = "ps.momentum_correction";  // server checkpoints: "1" or "0"
constexpr const char* kSliceElemsKey = "ps.slice_elems";                  // server checkpoints: "0" = whole tensors

std::string slicing_flag(const std::string& slice_elems) {
  return slice_elems == "0" ? "whole tensors (no --slice-elems)" : "--slice-elems " + slice_elems;
}
}  // namespace

std::vector<TensorExtent> tensor_extents(const nn::Module& model) {
  std::vector<TensorExtent> out;
  for (const auto& [name, p] : model.named_parameters()) out.push_back({p.numel(), matrix_shape_of(p)});
  return out;
}

std::string server_checkpoint_path(const std::string& checkpoint, int k) {
  return checkpoint + ".server" + std::to_string(k);
}

void check_ps_options(const train::TrainOptions& opt, const PsOptions& ps) {
  TERN_CHECK(!ps.async || (opt.resume.empty() && opt.checkpoint.empty()),
             "--checkpoint and --resume need synchronous rounds: with --async the servers' state at an epoch end ",
             "is not the state the workers saw");
  TERN_CHECK(ps.staleness >= 0, "staleness must be >= 0, got ", ps.staleness);
  TERN_CHECK(!ps.async || (ps.aggregator == "mean" && ps.attack.byzantine == 0),
             "--aggregation and --byzantine need synchronous rounds: with --async each push is applied alone");
  TERN_CHECK(ps.attack.byzantine >= 0, "--byzantine must be >= 0, got ", ps.attack.byzantine);
  TERN_CHECK(ps.attack.byzantine == 0 || !ps.attack.attack.empty(), "--byzantine ", ps.attack.byzantine,
             " needs --attack NAME (nan, random, signflip, scale, alie, ipm, labelflip)");
  TERN_CHECK(ps.attack.attack.empty() || ps.attack.byzantine > 0, "--attack ", ps.attack.attack,
             " needs --byzantine K (the number of attacker ranks, >= 1)");
  TERN_CHECK(!ps.momentum_correction || (opt.optimizer == "sgd" && opt.momentum > 0 && !opt.nesterov),
             "momentum correction needs --optimizer sgd with --momentum > 0 (not Nesterov): the workers take over ",
             "that momentum");
  TERN_CHECK(ps.transport == "mpi" || ps.transport == "udp", "--transport: expected mpi or udp, given '",
             ps.transport, "'");
  const bool udp = ps.transport == "udp";
  TERN_CHECK(udp || ps.udp_loss == 0, "--udp-loss needs --transport udp");
  TERN_CHECK(ps.udp_loss >= 0 && ps.udp_loss < 1, "--udp-loss: expected a rate in [0, 1), given ", ps.udp_loss);
  TERN_CHECK(ps.udp_deadline_ms > 0, "--udp-deadline-ms: expected a positive time, given ", ps.udp_deadline_ms);
  TERN_CHECK(!udp || !ps.async, "--transport udp needs synchronous rounds (drop --async)");
  TERN_CHECK(!udp || (ps.codec == "none" && !ps.momentum_correction),
             "--transport udp sends raw float32 gradients: drop --codec ", ps.codec,
             ps.momentum_correction ? " and --momentum-correction" : "", " (a lost datagram would desynchronise a codec's state)");
  TERN_CHECK(ps.send_schedule == "fifo" || ps.send_schedule == "p3", "--send-schedule: expected fifo or p3, given '",
             ps.send_schedule, "'");
  if (ps.send_schedule == "p3") {
    TERN_CHECK(!ps.async && !udp, "--send-schedule p3 needs synchronous rounds over MPI (drop --async and ",
               "--transport udp)");
    TERN_CHECK(!ps.momentum_correction && ps.attack.byzantine == 0 && ps.aggregator == "mean",
               "--send-schedule p3 aggregates, steps and replies per slice with the mean: drop ",
               ps.momentum_correction ? "--momentum-correction" : ps.attack.byzantine > 0 ? "--byzantine" : "--aggregation");
    TERN_CHECK(opt.optimizer != "yellowfin", "--send-schedule p3 steps each slice alone, but YellowFin tunes on the ",
               "whole gradient: use fifo");
  }
  TERN_CHECK(ps.send_window >= 1, "--send-window: expected at least 1 slice, given ", ps.send_window);
  TERN_CHECK(!ps.momentum_correction || ps.codec == "topk" || ps.codec == "randomk" || ps.codec == "3lc",
             "momentum correction needs a sparsifying push codec (topk, randomk or 3lc), not ", ps.codec,
             ": it zeroes the velocity of every element a push sends");
}

void check_ps_workers(const PsOptions& ps, int workers) {
  const int k = ps.attack.byzantine;
  TERN_CHECK(k < workers, "--byzantine ", k, " leaves no honest worker among ", workers, " workers");
  (void)aggregator_registry().make(ps.aggregator, ps.aggregator_args, {workers, byzantine_f(ps)});
  if (k > 0) (void)Attack(ps.attack.attack, ps.attack.args, workers, k);
}

PsRunResult train_parameter_server(const train::TrainOptions& opt, const PsOptions& ps, comm::Communicator& world) {
  check_ps_options(opt, ps);
  (void)aggregator_registry().at(ps.aggregator);  // unknown names: an error before any rank waits
  (void)send_scheduler_registry().at(ps.send_scheduler);
  const auto push_codec = compress::make_codec(ps.codec, ps.codec_args);
  const auto pull_codec = ps.pull_codec.empty() ? compress::make_codec(ps.codec, ps.codec_args)
                                                : compress::make_codec(ps.pull_codec, ps.pull_codec_args);

  // Every rank builds the model to agree on the tensors and who owns them.
  if (opt.threads != 0) set_num_threads(opt.threads);  // negative: an error there
  manual_seed(opt.seed);
  const auto train_set = train::load_dataset(opt, true);
  nn::ModulePtr model = train::make_model(opt, *train_set);
  const bool p3 = ps.send_schedule == "p3";
  const int64_t slice_elems = p3 && ps.slice_elems == 0 ? kP3DefaultSliceElems : ps.slice_elems;
  const Layout layout = Layout::make(world.size(), ps.servers, tensor_extents(*model), slice_elems);
  const bool server = layout.is_server(world.rank());
  auto group = world.split(server ? 1 : 0, world.rank());

  PsRunResult result;
  result.is_server = server;
  if (!server && p3) {
    P3WorkerContext context(world, *group, layout, *push_codec, *pull_codec, p3::SendOrder::priority, ps.send_window);
    result.train = train::train(opt, {}, &context);
    result.layer_wait_s = context.layer_waits();
    result.bytes_pushed = context.bytes_pushed();
    result.bytes_pulled = context.bytes_pulled();
    return result;
  }
  if (!server) {
    const auto scheduler = send_scheduler_registry().make(ps.send_scheduler, ps.send_scheduler_args);
    WorkerContext context(world, *group, layout, *push_codec, *pull_codec, *scheduler);
    if (ps.momentum_correction) context.set_momentum_correction(static_cast<float>(opt.momentum));
    if (ps.transport == "udp") context.set_udp(true);
    if (ps.attack.byzantine > 0) {
      auto attack = std::make_shared<const Attack>(ps.attack.attack, ps.attack.args, layout.workers, ps.attack.byzantine);
      const bool attacker = group->rank() >= layout.workers - ps.attack.byzantine;
      context.set_attack(attack, attacker, train_set->num_classes(), opt.seed * 7919 + group->rank());
    }
    result.train = train::train(opt, {}, &context);
    return result;
  }

  ddp::broadcast_state(world, *model);  // matches the workers' start()
  ServerConfig c;
  c.layout = &layout;
  c.server = layout.server_index(world.rank());
  ServerTensors tensors = server_tensors(layout, c.server, model->named_parameters());
  c.params = tensors.by_slice;
  std::vector<optim::ParamRef> owned = tensors.owned;
  nn::NamedTensors owned_named;
  for (const auto& [name, t] : owned) owned_named.emplace_back(name, t);
  train::TrainOptions server_opt = opt;
  if (ps.momentum_correction) server_opt.momentum = 0;  // the workers' velocity already carries it
  c.optimizer = train::make_optimizer(server_opt, owned);
  int64_t start_epoch = 0;
  if (!opt.resume.empty()) {
    const std::string path = server_checkpoint_path(opt.resume, c.server);
    const io::Checkpoint ck = io::load_checkpoint(path);
    const io::CheckpointMeta workers_meta = io::load_checkpoint(opt.resume).meta;
    TERN_CHECK(ck.meta.epoch == workers_meta.epoch, path, " is from epoch ", ck.meta.epoch, " but ", opt.resume,
               " from epoch ", workers_meta.epoch, "; both must come from the same run");
    // The servers' optimiser keeps momentum only without momentum correction,
    // so its state cannot cross from one setting to the other.
    const auto mc = ck.meta.extra.find(kMomentumCorrectionKey);
    TERN_CHECK(mc == ck.meta.extra.end() || (mc->second == "1") == ps.momentum_correction, path, " was written ",
               ps.momentum_correction ? "without" : "with", " --momentum-correction; resume with the same setting");
    const auto se = ck.meta.extra.find(kSliceElemsKey);
    const std::string slicing = se == ck.meta.extra.end() ? "0" : se->second;
    TERN_CHECK(slicing == std::to_string(slice_elems), path, " was written with ", slicing_flag(slicing),
               "; resume with the same slicing, not ", slicing_flag(std::to_string(slice_elems)));
    io::assign_tensors(owned_named, ck.model, "checkpoint " + path, "model.", "this server's tensors");
    c.optimizer->load_state_dict(ck.optim);
    start_epoch = ck.meta.epoch;
  }
  if (!opt.checkpoint.empty()) {
    // The optimiser moves into the Server with c; the object itself stays put.
    c.on_epoch_end = [&, optimizer = c.optimizer.get(),
                      path = server_checkpoint_path(opt.checkpoint, c.server)](int64_t epochs_done) {
      io::CheckpointMeta meta;
      meta.model = opt.model;
      meta.optimizer = opt.optimizer;
      meta.epoch = epochs_done;
      meta.step = epochs_done * train::steps_per_epoch(opt, *train_set, layout.workers);
      meta.extra[kMomentumCorrectionKey] = std::to_string(static_cast<int>(ps.momentum_correction));
      meta.extra[kSliceElemsKey] = std::to_string(slice_elems);
      io::save_checkpoint(path, owned_named, optimizer->state_dict(), meta);
    };
  }
  if (!opt.checkpoint.empty()) c.save_codec_state = server_checkpoint_path(opt.checkpoint, c.server) + ".codec";
  if (!opt.resume.empty()) c.resume_codec_state = server_checkpoint_path(opt.resume, c.server) + ".codec";
  c.set_epoch = [&opt](optim::Optimizer& o, int64_t epoch) { train::apply_schedule(opt, o, epoch); };
  c.steps_per_epoch = train::steps_per_epoch(opt, *train_set, layout.workers);
  c.first_step = start_epoch * c.steps_per_epoch;
  c.steps = c.steps_per_epoch * (opt.epochs - start_epoch);
  c.push_codec = push_codec.get();
  c.pull_codec = pull_codec.get();
  const auto aggregator = aggregator_registry().make(ps.aggregator, ps.aggregator_args, {layout.workers, byzantine_f(ps)});
  c.aggregator = aggregator.get();
  c.async = ps.async;
  c.staleness = ps.staleness;
  c.udp = ps.transport == "udp";
  c.udp_loss = ps.udp_loss;
  c.udp_deadline_seconds = ps.udp_deadline_ms / 1000;
  c.udp_seed = opt.seed * 1000003 + static_cast<uint64_t>(c.server);
  if (p3) c.p3_order = p3::SendOrder::priority;
  c.p3_window = ps.send_window;
  Server(std::move(c)).run(world);
  return result;
}

}  // namespace tern::distributed::ps
