// `tern bench p3`: P3's experiment on this machine. Workers and servers
// move the real parameter tensors of a zoo model (ResNet-50, VGG-19,
// lstm-lm, ...) through a parameter server, sliced and placed as
// ps::Layout does it, over credit-windowed links (link/credit_link.h), while each
// layer's forward and backward compute is replaced by its FLOPs at a stated
// device speed, spent sleeping (the CPU stays free for the network).
//
// One iteration on a worker: the forward pass runs layer by layer, and
// layer i starts once all of its slices from the last update are back
// (per-layer readiness, not one barrier); the backward pass runs last layer
// first and queues each layer's gradient slices as soon as the layer is
// done (pushes overlap backward). A server aggregates a slice as soon as
// every worker's push of it is in (the mean, summed in worker order, then
// an SGD step) and queues its reply to every worker at once. Schedules:
// whole, fifo and p3 (link/send_queue.h).
// The same seedless arithmetic runs under every schedule, so every run
// must end with the same weights on every worker: the bench checks this
// against the closed form and fails otherwise.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::p3 {

struct BenchOptions {
  std::string model = "resnet50";
  int servers = 1;
  int64_t slice_elems = 40000;  // MXNET_KVSTORE_SLICE_THRESHOLD in P3's code
  std::vector<std::string> schedules = {"whole", "fifo", "p3"};
  int batch = 32;               // per worker
  double tflops = 5;            // stated device speed, FLOP/s / 1e12
  int iterations = 6;           // per run, the first `warmup` untimed
  int warmup = 1;
  int rounds = 3;               // runs of every schedule, interleaved
  int window = 2;               // slices in flight per link and direction
  std::string emulate;          // link emulation (comm/link_emulation.h); empty: TERN_LINK_EMULATION
};

// Checks options that need no MPI (model name, counts, schedule names).
void check_bench_options(const BenchOptions& o);

struct LayerStall {
  std::string layer;
  double seconds = 0;  // per iteration, mean over timed iterations, slowest worker
};

struct ScheduleResult {
  std::string schedule;
  std::vector<double> iteration_s;     // per round: mean timed iteration, slowest worker
  double median_iteration_s = 0;
  double forward_stall_s = 0;          // per iteration, summed over layers (median round)
  std::vector<LayerStall> top_stalls;  // the (up to 5) layers the forward pass waited on longest, >= 0.05 ms
  int slices = 0;
  double worker_bytes_sent = 0, worker_bytes_received = 0;  // per worker per iteration
  double busiest_server_share = 0;     // of all server traffic
};

struct BenchResult {
  bool leader = false;  // rank 0 holds the full result
  std::string model, backend, link_emulation;
  int workers = 0, servers = 0, batch = 0;
  int64_t parameters = 0, slice_elems = 0;
  double tflops = 0, compute_s = 0;  // forward + backward per iteration
  int iterations = 0, warmup = 0, rounds = 0, window = 0;
  std::vector<ScheduleResult> schedules;
};

// Runs under mpirun on every rank: the last `servers` ranks serve. Progress
// lines go to `inform` on rank 0.
BenchResult run_bench(const BenchOptions& o, const std::function<void(const std::string&)>& inform);

}  // namespace tern::distributed::p3
