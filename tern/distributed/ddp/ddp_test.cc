// Data-parallel gradients against a single-process reference, under mpirun
// with 1-4 ranks: every rank holds the same model and the same global batch;
// rank r backpropagates its slice, DataParallel averages, and the result must
// equal the gradient of the whole batch computed locally.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "tern/autograd/engine.h"
#include "tern/data/dataset.h"
#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/mpi_test_main.h"
#include "tern/distributed/comm/counting_communicator.h"
#include "tern/distributed/ddp/data_parallel.h"
#include "tern/distributed/ddp/fp16_reducer.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/distributed/ddp/powersgd_reducer.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ddp {
namespace {

using comm::testing::world;

struct Case {
  int64_t bucket_bytes;
  bool overlap;
  bool blueconnect = false;  // 2 x (p/2) when p is even, else the flat ring
};

class DdpGradients : public ::testing::TestWithParam<Case> {};

nn::ModulePtr make_lenet() {
  const nn::ModelSpec& spec = nn::find_model("lenet5");
  return spec.make(spec.defaults);
}

TEST_P(DdpGradients, AveragedGradientsEqualTheWholeBatchGradient) {
  comm::Communicator& comm = world();
  const int p = comm.size(), r = comm.rank();
  const int64_t per_rank = 4, batch = per_rank * p;
  auto data = data::synthetic_images(batch, {1, 28, 28}, 10, /*seed=*/3);
  std::vector<int64_t> all(batch), mine;
  for (int64_t i = 0; i < batch; ++i) all[i] = i;
  for (int64_t i = r * per_rank; i < (r + 1) * per_rank; ++i) mine.push_back(i);

  // Different seeds per rank: the broadcast must make them equal.
  manual_seed(100 + r);
  nn::ModulePtr model = make_lenet();
  broadcast_state(comm, *model);
  manual_seed(100);
  nn::ModulePtr reference = make_lenet();
  broadcast_state(comm, *reference);

  const data::Batch whole = data->get(all);
  autograd::backward(cross_entropy((*reference)(whole.inputs), whole.labels));

  std::unique_ptr<collectives::BlueConnect> bc;
  AllreduceFn custom;
  if (GetParam().blueconnect && p % 2 == 0) {
    bc = std::make_unique<collectives::BlueConnect>(comm, collectives::parse_blueconnect_plan(p == 2 ? "2" : "2x" + std::to_string(p / 2), p));
    custom = [&bc](comm::Communicator&, std::span<float> data) { bc->allreduce(data); };
  }
  DdpOptions options;
  options.bucket_bytes = GetParam().bucket_bytes;
  options.allreduce = custom;
  options.overlap = GetParam().overlap;
  DataParallel ddp(comm, *model, options);
  EXPECT_GT(ddp.num_buckets(), 0);
  for (int step = 0; step < 2; ++step) {  // the second step checks the per-step reset
    for (auto& [name, t] : model->named_parameters()) t.zero_grad();
    const data::Batch part = data->get(mine);
    ddp.prepare_step();
    autograd::backward(cross_entropy((*model)(part.inputs), part.labels));
    ddp.finish_step();
    const nn::NamedTensors got = model->named_parameters(), want = reference->named_parameters();
    for (size_t i = 0; i < got.size(); ++i) {
      const Tensor g = got[i].second.grad(), w = want[i].second.grad();
      ASSERT_TRUE(g.defined()) << got[i].first;
      for (int64_t k = 0; k < g.numel(); ++k)
        ASSERT_NEAR(g.data<float>()[k], w.data<float>()[k], 1e-5 + 1e-4 * std::fabs(w.data<float>()[k]))
            << got[i].first << "[" << k << "] step " << step << " on rank " << r;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Buckets, DdpGradients,
                         ::testing::Values(Case{1 << 20, true}, Case{4096, true}, Case{4096, false}, Case{1, true},
                                           Case{4096, true, true}));

// Rank-1 gradients whose sum is rank 1 are summed exactly by rank-1 PowerSGD,
// and vectors in the same bucket are summed exactly too.
TEST(PowerSgd, RankOneSumsAreExact) {
  comm::Communicator& comm = world();
  const int64_t rows = 16, cols = 32;
  std::vector<float> bucket(rows * cols + 5), want(bucket.size(), 0.0f);
  auto u = [](int q, int64_t i) { return static_cast<float>((i * 3 + q) % 7) - 3.0f; };
  auto v = [](int64_t j) { return 0.25f * static_cast<float>(j % 5) - 0.5f; };
  for (int q = 0; q < comm.size(); ++q)
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) {
        want[i * cols + j] += u(q, i) * v(j);
        if (q == comm.rank()) bucket[i * cols + j] = u(q, i) * v(j);
      }
  for (int64_t k = 0; k < 5; ++k) {
    bucket[rows * cols + k] = static_cast<float>(comm.rank() + k);
    want[rows * cols + k] = static_cast<float>(comm.size() * k + comm.size() * (comm.size() - 1) / 2);
  }
  const std::vector<BucketSlot> slots{{0, 0, rows * cols, rows, cols}, {1, rows * cols, 5, 1, 5}};
  PowerSgdReducer reducer(1, 42);
  reducer.reduce(comm, bucket, slots);
  for (size_t i = 0; i < bucket.size(); ++i) ASSERT_NEAR(bucket[i], want[i], 1e-4 * (1 + std::fabs(want[i]))) << i;
}

// --codec fp16: the sum is right to half precision (one rounding of each
// input and one per hop), every rank ends with the same
// bits, and the wire carries half the bytes of the fp32 all-reduce.
TEST(Fp16Allreduce, SumsToHalfPrecisionWithHalfTheBytes) {
  comm::Communicator& comm = world();
  const int p = comm.size();
  const int64_t n = 10007;
  auto x = [](int q, int64_t i) { return 1e-3f * std::sin(0.37f * static_cast<float>(i) + static_cast<float>(q)); };
  for (collectives::Algorithm algo : {collectives::Algorithm::ring, collectives::Algorithm::halving_doubling}) {
    std::vector<float> bucket(n), plain(n);
    for (int64_t i = 0; i < n; ++i) bucket[i] = plain[i] = x(comm.rank(), i);
    auto half_counts = std::make_shared<comm::TrafficCounters>(), float_counts = std::make_shared<comm::TrafficCounters>();
    comm::CountingCommunicator half_comm(comm, half_counts), float_comm(comm, float_counts);
    Fp16Reducer(algo).reduce(half_comm, bucket);
    collectives::allreduce(float_comm, std::span<float>(plain), algo);
    for (int64_t i = 0; i < n; ++i) {
      double want = 0, magnitude = 0;
      for (int q = 0; q < p; ++q) {
        want += x(q, i);
        magnitude += std::fabs(x(q, i));
      }
      // Relative 2^-11 per rounding, or half a subnormal ulp (2^-25) of the
      // pre-divided values, times the world size they are widened by.
      const double bound = (p + 1) * (std::ldexp(magnitude, -11) + p * std::ldexp(1.0, -25));
      ASSERT_NEAR(bucket[i], want, bound) << collectives::algorithm_name(algo) << " " << i;
    }
    std::vector<float> root = bucket;
    collectives::broadcast(comm, std::span<float>(root), 0);
    EXPECT_EQ(root, bucket) << collectives::algorithm_name(algo) << ": ranks disagree";
    EXPECT_EQ(2 * half_counts->bytes_sent, float_counts->bytes_sent) << collectives::algorithm_name(algo);
  }
  EXPECT_THROW(Fp16Reducer{collectives::Algorithm::native}, Error);
}

TEST(ModelSync, AverageBuffersTakesTheMean) {
  comm::Communicator& comm = world();
  manual_seed(5);
  const nn::ModelSpec& spec = nn::find_model("resnet20");
  nn::ModulePtr model = spec.make(spec.defaults);
  for (auto& [name, b] : model->named_buffers()) {
    Tensor t = b;
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(comm.rank() * 2);
  }
  average_buffers(comm, *model);
  for (auto& [name, b] : model->named_buffers())
    for (int64_t i = 0; i < b.numel(); ++i) ASSERT_FLOAT_EQ(b.data<float>()[i], comm.size() - 1.0f) << name;
}

}  // namespace
}  // namespace tern::distributed::ddp
