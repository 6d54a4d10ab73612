// The parameter-server trainer's pieces under mpirun (2, 3 and 5 ranks):
// synchronous rounds with the exact codec must reproduce single-process SGD
// on the whole batch; with 3LC every worker must still hold the same model
// and the traffic must shrink; asynchronous mode must run to the end.
#include <gtest/gtest.h>

#include <cmath>

#include "tern/autograd/engine.h"
#include "tern/data/dataset.h"
#include "tern/distributed/comm/counting_communicator.h"
#include "tern/distributed/comm/mpi_test_main.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/distributed/ps/p3_worker.h"
#include "tern/distributed/ps/ps_trainer.h"
#include "tern/distributed/ps/server.h"
#include "tern/distributed/ps/worker.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ps {
namespace {

using comm::testing::world;

constexpr int64_t kPerWorker = 4;

nn::ModulePtr make_lenet(uint64_t seed) {
  manual_seed(seed);
  const nn::ModelSpec& spec = nn::find_model("lenet5");
  return spec.make(spec.defaults);
}

train::TrainOptions sgd_options() {
  train::TrainOptions o;
  o.optimizer = "sgd";
  o.lr = 0.1;
  o.momentum = 0.9;
  return o;
}

std::vector<optim::ParamRef> refs(const nn::Module& m, const std::vector<int>& which) {
  const nn::NamedTensors named = m.named_parameters();
  std::vector<optim::ParamRef> out;
  for (int t : which) out.push_back({named[t].first, named[t].second});
  return out;
}

std::vector<int> all_tensors(const nn::Module& m) {
  std::vector<int> v(m.named_parameters().size());
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<int>(i);
  return v;
}

struct PsRun {
  nn::ModulePtr model;  // workers: their replica after the steps
  nn::ModulePtr initial;  // workers: the replica as broadcast, before any step
  nn::ModulePtr reference;
  Layout layout;
  bool is_server = false;
};

// `steps` rounds of push/pull with `codec`; workers also step a local
// reference model on the whole batch with SGD.
PsRun run_steps(comm::Communicator& comm, int servers, const std::string& codec_name, bool async, int steps,
                int64_t slice_elems = 0, bool p3 = false) {
  PsRun run;
  run.model = make_lenet(7 + comm.rank());  // broadcast must fix the difference
  run.layout = Layout::make(comm.size(), servers, tensor_extents(*run.model), slice_elems);
  const Layout& l = run.layout;
  run.is_server = l.is_server(comm.rank());
  auto group = comm.split(run.is_server ? 1 : 0, comm.rank());
  const auto codec = compress::make_codec(codec_name);
  auto data = data::synthetic_images(kPerWorker * l.workers, {1, 28, 28}, 10, 11);
  if (run.is_server) {
    ddp::broadcast_state(comm, *run.model);
    ServerConfig c;
    c.layout = &l;
    c.server = l.server_index(comm.rank());
    ServerTensors tensors = server_tensors(l, c.server, run.model->named_parameters());
    c.params = tensors.by_slice;
    c.optimizer = train::make_optimizer(sgd_options(), tensors.owned);
    c.set_epoch = [](optim::Optimizer&, int64_t) {};
    c.steps_per_epoch = 100;
    c.steps = steps;
    c.push_codec = c.pull_codec = codec.get();
    MeanAggregator mean;
    c.aggregator = &mean;
    c.async = async;
    if (p3) c.p3_order = p3::SendOrder::priority;
    Server(std::move(c)).run(comm);
    return run;
  }
  BackwardOrderScheduler scheduler;
  std::unique_ptr<train::RunContext> context;
  if (p3) context = std::make_unique<P3WorkerContext>(comm, *group, l, *codec, *codec, p3::SendOrder::priority, 2);
  else context = std::make_unique<WorkerContext>(comm, *group, l, *codec, *codec, scheduler);
  train::RunContext& ctx = *context;
  auto unused = train::make_optimizer(sgd_options(), refs(*run.model, all_tensors(*run.model)));
  ctx.start(*run.model, *unused);
  run.initial = make_lenet(98);
  const nn::NamedTensors started = run.model->named_parameters(), init = run.initial->named_parameters();
  for (size_t i = 0; i < started.size(); ++i) {
    Tensor dst = init[i].second;
    std::copy_n(started[i].second.data<float>(), dst.numel(), dst.data<float>());
  }
  run.reference = make_lenet(99);
  // The reference starts from the broadcast values.
  const nn::NamedTensors mine = run.model->named_parameters(), ref = run.reference->named_parameters();
  for (size_t i = 0; i < mine.size(); ++i) {
    Tensor dst = ref[i].second;
    std::copy_n(mine[i].second.data<float>(), dst.numel(), dst.data<float>());
  }
  auto ref_opt = train::make_optimizer(sgd_options(), refs(*run.reference, all_tensors(*run.reference)));
  std::vector<int64_t> slice, whole;
  for (int64_t i = 0; i < kPerWorker * l.workers; ++i) whole.push_back(i);
  for (int64_t i = ctx.rank() * kPerWorker; i < (ctx.rank() + 1) * kPerWorker; ++i) slice.push_back(i);
  for (int s = 0; s < steps; ++s) {
    for (auto& [name, p] : run.model->named_parameters()) p.zero_grad();
    const data::Batch b = data->get(slice);
    const Tensor loss = cross_entropy((*run.model)(b.inputs), b.labels);
    ctx.before_backward(*run.model);
    autograd::backward(loss);
    EXPECT_FALSE(ctx.after_backward(*run.model, 0));
    ref_opt->zero_grad();
    const data::Batch all = data->get(whole);
    autograd::backward(cross_entropy((*run.reference)(all.inputs), all.labels));
    ref_opt->step();
  }
  ctx.end_epoch(*run.model);  // P3: the last replies are still on their way
  return run;
}

float max_abs_diff(const nn::Module& a, const nn::Module& b) {
  const nn::NamedTensors x = a.named_parameters(), y = b.named_parameters();
  float worst = 0;
  for (size_t i = 0; i < x.size(); ++i)
    for (int64_t k = 0; k < x[i].second.numel(); ++k)
      worst = std::max(worst, std::fabs(x[i].second.data<float>()[k] - y[i].second.data<float>()[k]));
  return worst;
}

// Every worker's copy of parameter values, compared through a sum: all equal
// iff sum of squares of (mine - mean) is zero everywhere.
bool workers_agree(comm::Communicator& workers, const nn::Module& m) {
  for (auto& [name, p] : m.named_parameters()) {
    std::vector<double> v(p.data<float>(), p.data<float>() + p.numel()), sum = v;
    collectives::allreduce(workers, std::span<double>(sum));
    for (size_t i = 0; i < v.size(); ++i)
      if (std::fabs(v[i] - sum[i] / workers.size()) > 1e-7) return false;
  }
  return true;
}

int servers_for(int world_size) { return world_size >= 5 ? 2 : 1; }

TEST(ParameterServer, SyncRoundsEqualWholeBatchSgd) {
  comm::Communicator& comm = world();
  if (comm.size() < 2) GTEST_SKIP() << "needs a server and a worker";
  const PsRun run = run_steps(comm, servers_for(comm.size()), "none", false, 3);
  if (run.is_server) return;
  EXPECT_LT(max_abs_diff(*run.model, *run.reference), 2e-5f);
}

TEST(ParameterServer, ThreeLcKeepsReplicasEqualAndCutsTraffic) {
  comm::Communicator& comm = world();
  if (comm.size() < 2) GTEST_SKIP() << "needs a server and a worker";
  auto counters = std::make_shared<comm::TrafficCounters>();
  comm::CountingCommunicator counted(comm, counters);
  const PsRun run = run_steps(counted, servers_for(comm.size()), "3lc", false, 3);
  auto group = comm.split(run.is_server ? 1 : 0, comm.rank());
  if (run.is_server) return;
  EXPECT_TRUE(workers_agree(*group, *run.model));
  // The model moved, but not exactly as with uncompressed SGD.
  EXPECT_GT(max_abs_diff(*run.model, *run.reference), 0.0f);
  // 3 rounds of LeNet-5 (61,706 floats) each way; the broadcast is fp32.
  int64_t floats = 0;
  for (auto& [name, p] : run.model->named_parameters()) floats += p.numel();
  EXPECT_LT(counters->bytes_sent, 3 * floats * 4 / 10 + floats * 4 * 2) << "pushes are not compressed";
}

TEST(ParameterServer, AsyncRunsToTheEnd) {
  comm::Communicator& comm = world();
  if (comm.size() < 2) GTEST_SKIP() << "needs a server and a worker";
  const PsRun run = run_steps(comm, servers_for(comm.size()), "none", true, 4);
  if (run.is_server) return;
  for (auto& [name, p] : run.model->named_parameters())
    for (int64_t k = 0; k < p.numel(); ++k) ASSERT_TRUE(std::isfinite(p.data<float>()[k])) << name;
  EXPECT_GT(max_abs_diff(*run.model, *run.initial), 0.0f);
}

TEST(ParameterServer, SlicedRoundsEqualWholeTensorRoundsBitForBit) {
  // Slicing changes which server updates which elements and the message
  // order, not the arithmetic: the replicas must be identical.
  comm::Communicator& comm = world();
  if (comm.size() < 2) GTEST_SKIP() << "needs a server and a worker";
  const PsRun whole = run_steps(comm, servers_for(comm.size()), "none", false, 3);
  const PsRun sliced = run_steps(comm, servers_for(comm.size()), "none", false, 3, 1000);
  EXPECT_GT(sliced.layout.num_slices(), whole.layout.num_slices());
  if (whole.is_server) return;
  EXPECT_EQ(max_abs_diff(*whole.model, *sliced.model), 0.0f);
}

TEST(ParameterServer, P3ScheduleEqualsRoundsBitForBit) {
  // P3 changes when slices travel and in which order servers update them,
  // not the arithmetic: per-slice updates, deltas and codec streams are the
  // rounds' ones, so the replicas must be identical, with the exact codec
  // (against whole-tensor rounds) and with 3LC's per-slice state.
  comm::Communicator& comm = world();
  if (comm.size() < 2) GTEST_SKIP() << "needs a server and a worker";
  const int servers = servers_for(comm.size());
  const PsRun whole = run_steps(comm, servers, "none", false, 3);
  const PsRun p3 = run_steps(comm, servers, "none", false, 3, 1000, true);
  const PsRun rounds_3lc = run_steps(comm, servers, "3lc", false, 3, 1000);
  const PsRun p3_3lc = run_steps(comm, servers, "3lc", false, 3, 1000, true);
  if (whole.is_server) return;
  EXPECT_GT(max_abs_diff(*p3.model, *p3.initial), 0.0f);
  EXPECT_EQ(max_abs_diff(*whole.model, *p3.model), 0.0f);
  EXPECT_GT(max_abs_diff(*rounds_3lc.model, *whole.model), 0.0f);
  EXPECT_EQ(max_abs_diff(*rounds_3lc.model, *p3_3lc.model), 0.0f);
}

std::vector<TensorExtent> vectors(std::vector<int64_t> sizes) {
  std::vector<TensorExtent> out;
  for (int64_t n : sizes) out.push_back({n, {}});
  return out;
}

TEST(Layout, BalancesAndRejectsBadCounts) {
  const Layout l = Layout::make(5, 2, vectors({100, 10, 60, 50}));
  EXPECT_EQ(l.workers, 3);
  ASSERT_EQ(l.num_slices(), 4);
  EXPECT_EQ(l.slices[0].server, 0);
  EXPECT_EQ(l.slices[2].server, 1);
  EXPECT_EQ(l.slices[3].server, 1);
  EXPECT_EQ(l.slices[1].server, 0);
  EXPECT_THROW(Layout::make(2, 2, vectors({1})), ValueError);
  EXPECT_THROW(Layout::make(3, 0, vectors({1})), ValueError);
  EXPECT_THROW(Layout::make(3, 2, vectors({1})), ValueError);  // a server without a tensor
  EXPECT_THROW(Layout::make(3, 1, vectors({1}), -1), ValueError);
}

TEST(Layout, SlicesCoverEveryTensorAtWholeRowsAndSpreadLargeTensors) {
  // A 100 x 48 matrix (LeNet-5's fc1 is 120 x 400), a vector, a small matrix.
  const std::vector<TensorExtent> t = {{4800, {100, 48}}, {1000, {}}, {20, {4, 5}}};
  const Layout l = Layout::make(4, 2, t, 1000);
  std::vector<int64_t> covered(t.size(), 0);
  std::vector<int64_t> load(2, 0);
  for (int j = 0; j < l.num_slices(); ++j) {
    const Slice& s = l.slices[j];
    EXPECT_EQ(s.offset, covered[s.tensor]) << "slice " << j;  // contiguous, in order
    covered[s.tensor] += s.numel;
    EXPECT_LE(s.numel, 1000);
    load[s.server] += s.numel;
    if (s.tensor == 0) {
      EXPECT_EQ(s.shape.cols, 48);  // 20 whole rows: 960 elements
      EXPECT_EQ(s.numel, 960);
    }
  }
  for (size_t k = 0; k < t.size(); ++k) EXPECT_EQ(covered[k], t[k].numel);
  EXPECT_EQ(l.of_tensor[0].size(), 5u);
  EXPECT_EQ(l.of_tensor[1].size(), 1u);
  EXPECT_LE(std::abs(load[0] - load[1]), 1000);  // within one slice of even
  EXPECT_TRUE(l.slices[l.of_tensor[2][0]].whole_tensor);
}

}  // namespace
}  // namespace tern::distributed::ps
