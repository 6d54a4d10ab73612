// P3's pieces: the send order, the model plan, preemption over a shaped
// link, and the bench end to end (it checks its own weights). Run under
// mpirun with 1, 2 and 3 ranks; each test says which sizes it needs.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tern/distributed/comm/link_emulation.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/comm/mpi_test_main.h"
#include "tern/distributed/p3/bench.h"
#include "tern/distributed/p3/link/credit_link.h"
#include "tern/distributed/p3/model_plan.h"
#include "tern/distributed/p3/link/send_queue.h"

namespace tern::distributed::p3 {
namespace {

using comm::testing::world;

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

TEST(SendQueue, PriorityFirstThenQueueOrderAndFifoIgnoresPriority) {
  SendQueue p3(SendOrder::priority), fifo(SendOrder::fifo);
  const int prio[] = {5, 3, 5, 0, 3};
  for (int i = 0; i < 5; ++i) {
    p3.push(i, prio[i]);
    fifo.push(i, prio[i]);
  }
  std::vector<int> got_p3, got_fifo;
  while (!p3.empty()) got_p3.push_back(p3.pop());
  while (!fifo.empty()) got_fifo.push_back(fifo.pop());
  EXPECT_EQ(got_p3, (std::vector<int>{3, 1, 4, 0, 2}));
  EXPECT_EQ(got_fifo, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(parse_send_order("p3"), SendOrder::priority);
  EXPECT_THROW(parse_send_order("lifo"), ValueError);
}

TEST(ModelPlan, EveryParameterHasItsLayerAndInputLayersComeFirst) {
  const ModelPlan plan = plan_zoo_model("lenet5", 32, 1e12);
  ASSERT_EQ(plan.tensor_layer.size(), plan.tensors.size());
  EXPECT_EQ(plan.tensor_layer.front(), 0);  // conv1.weight: the input layer
  for (size_t t = 1; t < plan.tensor_layer.size(); ++t) EXPECT_GE(plan.tensor_layer[t], plan.tensor_layer[t - 1]);
  EXPECT_EQ(plan.parameters, 61706);
  double compute = 0;
  for (const PlanLayer& l : plan.layers) {
    EXPECT_DOUBLE_EQ(l.backward_s, 2 * l.forward_s);
    compute += l.forward_s;
  }
  EXPECT_NEAR(compute, plan.forward_flops / 1e12, 1e-12);
  const ps::Layout layout = ps::Layout::make(3, 1, plan.tensors, 4000);
  const std::vector<int> prio = slice_priorities(plan, layout);
  ASSERT_EQ(static_cast<int>(prio.size()), layout.num_slices());
  for (int s = 0; s < layout.num_slices(); ++s) EXPECT_EQ(prio[s], plan.tensor_layer[layout.slices[s].tensor]);
  EXPECT_THROW(plan_zoo_model("lenet5", 0, 1e12), ValueError);
}

// One sender, one receiver behind a 1 Gbit/s emulated link, window 2: a
// priority-0 slice queued behind ~100 MB of priority-10 slices is handed to
// the network within one slice time and arrives within window + 1 slice
// times (P3); in FIFO order it arrives last.
struct PreemptionRun {
  double handoff_delay_s = 0, arrival_delay_s = 0;
  int arrival_index = -1;
};

PreemptionRun preempt(SendOrder order, int bulk_slices, int sent_before, int64_t slice_floats) {
  auto emulated = comm::emulate_links(comm::mpi_world(), comm::parse_link_emulation("groups=2x1,inter_gbit=1", 2));
  comm::Communicator& c = *emulated;
  const int window = 2, top = bulk_slices;
  std::vector<float> bulk(static_cast<size_t>(slice_floats), 1.0f), urgent(static_cast<size_t>(slice_floats), 7.0f);
  PreemptionRun run;
  if (c.rank() == 0) {
    OutLink out(c, 1, order, window);
    int handed = 0;
    double handoff = 0;
    out.on_handoff = [&](int s) {
      ++handed;
      if (s == top) handoff = now_s();
    };
    for (int s = 0; s < bulk_slices; ++s) out.enqueue(s, 10, std::as_bytes(std::span<const float>(bulk)));
    while (handed < sent_before) out.pump();
    const double queued = now_s();
    out.enqueue(top, 0, std::as_bytes(std::span<const float>(urgent)));
    while (!out.idle()) {
      if (!out.pump()) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    double arrival[2];
    c.recv(std::span<double>(arrival, 2), 1, 99);
    run.handoff_delay_s = handoff - queued;
    run.arrival_delay_s = arrival[0] - queued;
    run.arrival_index = static_cast<int>(arrival[1]);
  } else {
    std::vector<std::vector<float>> into(4, std::vector<float>(static_cast<size_t>(slice_floats)));
    std::vector<float> got_top(static_cast<size_t>(slice_floats));
    int arrived = 0;
    double arrival[2] = {0, -1};
    InLink in(
        c, 0, window, bulk_slices + 1,
        [&](int s, size_t bytes) {
          auto dst = std::as_writable_bytes(std::span<float>(s == top ? got_top : into[s % 4]));
          EXPECT_EQ(bytes, dst.size());
          return dst;
        },
        [&](int s) {
          if (s == top) {
            arrival[0] = now_s();
            arrival[1] = arrived;
          }
          ++arrived;
        });
    while (arrived < bulk_slices + 1) {
      if (!in.pump()) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    EXPECT_EQ(got_top.front(), 7.0f);
    EXPECT_EQ(got_top.back(), 7.0f);
    c.send(std::span<const double>(arrival, 2), 0, 99);
  }
  c.barrier();
  return run;
}

TEST(CreditLink, TopPrioritySliceOvertakes100MBOfQueuedSlices) {
  if (world().size() != 2) GTEST_SKIP() << "needs 2 ranks";
  const int64_t slice_floats = 40000;                      // P3's slice: 160 KB
  const int bulk = 640;                                    // 102 MB
  const double slice_s = slice_floats * 4 / 125e6;         // 1.28 ms at 1 Gbit/s
  const PreemptionRun p3 = preempt(SendOrder::priority, bulk, 20, slice_floats);
  const PreemptionRun fifo = preempt(SendOrder::fifo, bulk, 20, slice_floats);
  if (world().rank() != 0) return;
  std::printf("p3: handed over %.2f ms after queueing, arrived %.2f ms after (index %d); fifo: index %d, %.0f ms; "
              "one slice %.2f ms\n",
              p3.handoff_delay_s * 1e3, p3.arrival_delay_s * 1e3, p3.arrival_index, fifo.arrival_index,
              fifo.arrival_delay_s * 1e3, slice_s * 1e3);
  // Generous slack for a loaded 2-core machine; FIFO's delay is ~0.8 s.
  const double slack = 0.02;
  EXPECT_LE(p3.handoff_delay_s, slice_s + slack);
  EXPECT_LE(p3.arrival_delay_s, 3 * slice_s + slack);
  EXPECT_LE(p3.arrival_index, 20 + 2);
  EXPECT_EQ(fifo.arrival_index, bulk);
  EXPECT_GT(fifo.arrival_delay_s, 0.5);
}

// A header is a message from another process: an id outside the slices
// or a negative size is one clear error, never an index out of bounds.
TEST(CreditLink, HeaderForAnUnknownSliceIsRefused) {
  if (world().size() != 2) GTEST_SKIP() << "needs 2 ranks";
  comm::Communicator& c = world();
  const SliceHeader bad[] = {{-1, 4}, {5, 4}, {int64_t{1} << 40, 4}, {2, -8}};
  if (c.rank() == 0) {
    for (const SliceHeader& h : bad) c.send(std::as_bytes(std::span<const SliceHeader>(&h, 1)), 1, kHeaderTag);
  } else {
    for (int i = 0; i < 4; ++i) {
      const std::string expected = bad[i].bytes < 0 ? "of -8 bytes" : "expected one of 0..4";
      InLink in(c, 0, 1, 5, [](int, size_t) -> std::span<std::byte> { ADD_FAILURE() << "reached destination"; return {}; },
                [](int) {});
      bool refused = false;
      for (int spin = 0; spin < 200000 && !refused; ++spin) {
        try {
          in.pump();
        } catch (const ValueError& e) {
          refused = std::string(e.what()).find(expected) != std::string::npos;
        }
      }
      EXPECT_TRUE(refused) << "header " << i;
    }
  }
  c.barrier();
}

TEST(Bench, EverySchedulesEndsWithTheSameWeights) {
  if (world().size() < 2) GTEST_SKIP() << "needs a worker and a server";
  for (int servers = 1; servers < world().size(); ++servers) {
    BenchOptions o;
    o.model = "lenet5";
    o.servers = servers;
    o.slice_elems = 600;
    o.schedules = {"whole", "fifo", "p3"};
    o.tflops = 0.002;  // ~20 ms of compute per iteration
    o.iterations = 3;
    o.warmup = 1;
    o.rounds = 1;
    const BenchResult r = run_bench(o, [](const std::string&) {});
    if (!r.leader) continue;
    ASSERT_EQ(r.schedules.size(), 3u);
    EXPECT_EQ(r.workers + r.servers, world().size());
    EXPECT_EQ(r.schedules[0].slices, 10);  // LeNet-5's tensors
    EXPECT_GT(r.schedules[2].slices, 100);
    for (const ScheduleResult& s : r.schedules) {
      EXPECT_GT(s.median_iteration_s, r.compute_s * 0.9) << s.schedule;
      EXPECT_DOUBLE_EQ(s.worker_bytes_sent, 61706.0 * 4) << s.schedule;
      EXPECT_DOUBLE_EQ(s.worker_bytes_received, 61706.0 * 4) << s.schedule;
      EXPECT_GT(s.busiest_server_share, 0.0);
      EXPECT_LE(s.busiest_server_share, 1.0);
    }
  }
  BenchOptions bad;
  bad.schedules = {"lifo"};
  EXPECT_THROW(check_bench_options(bad), ValueError);
  bad = BenchOptions{};
  bad.iterations = 1;
  EXPECT_THROW(check_bench_options(bad), ValueError);
}

}  // namespace
}  // namespace tern::distributed::p3
