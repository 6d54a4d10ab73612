#include "tern/dist/ps/ps_trainer.h"

#include "tern/base/parallel.h"
#include "tern/dist/ddp/model_sync.h"
#include "tern/dist/ps/server.h"
#include "tern/dist/ps/worker.h"
#include "tern/ops/ops.h"

namespace tern::dist::ps {

PsRunResult train_parameter_server(const train::TrainOptions& opt, const PsOptions& ps, Communicator& world) {
  TERN_CHECK(opt.resume.empty(), "--resume works with --dist allreduce; a parameter-server checkpoint holds the ",
             "workers' model but not the servers' optimiser state");
  TERN_CHECK(ps.staleness >= 0, "staleness must be >= 0, got ", ps.staleness);
  const auto push_codec = compress::make_codec(ps.codec, ps.codec_args);
  const auto pull_codec = compress::make_codec(ps.codec, ps.codec_args);

  // Every rank builds the model to agree on the tensors and who owns them.
  if (opt.threads > 0) set_num_threads(opt.threads);
  manual_seed(opt.seed);
  const auto train_set = train::load_dataset(opt, true);
  nn::ModulePtr model = train::make_model(opt, *train_set);
  std::vector<int64_t> sizes;
  for (auto& [name, p] : model->named_parameters()) sizes.push_back(p.numel());
  const Layout layout = Layout::make(world.size(), ps.servers, sizes);
  for (int s = 0; s < layout.servers; ++s)
    TERN_CHECK(!layout.tensors[s].empty(), "more servers (", layout.servers, ") than the model has tensors (",
               sizes.size(), ")");
  const bool server = layout.is_server(world.rank());
  auto group = world.split(server ? 1 : 0, world.rank());

  PsRunResult result;
  result.is_server = server;
  if (!server) {
    MeanAggregator unused;
    BackwardOrderScheduler scheduler;
    WorkerContext context(world, *group, layout, *push_codec, *pull_codec, scheduler);
    result.train = train::train(opt, {}, &context);
    return result;
  }

  broadcast_state(world, *model);  // matches the workers' start()
  ServerConfig c;
  c.layout = &layout;
  c.server = layout.server_index(world.rank());
  std::vector<optim::ParamRef> owned;
  for (auto& [name, p] : model->named_parameters()) c.params.push_back(p);
  for (int t : layout.tensors[c.server]) owned.push_back({model->named_parameters()[t].first, c.params[t]});
  c.optimizer = train::make_optimizer(opt, owned);
  c.set_epoch = [&opt](optim::Optimizer& o, int64_t epoch) { train::apply_schedule(opt, o, epoch); };
  c.steps_per_epoch = train::steps_per_epoch(opt, *train_set, layout.workers);
  c.steps = c.steps_per_epoch * opt.epochs;
  c.push_codec = push_codec.get();
  c.pull_codec = pull_codec.get();
  MeanAggregator mean;
  c.aggregator = &mean;
  c.async = ps.async;
  c.staleness = ps.staleness;
  Server(std::move(c)).run(world);
  return result;
}

}  // namespace tern::dist::ps
