#include "tern/distributed/p3/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>

#include "tern/base/error.h"
#include "tern/distributed/comm/link_emulation.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/p3/link/credit_link.h"
#include "tern/distributed/p3/model_plan.h"
#include "tern/nn/models.h"

namespace tern::distributed::p3 {

namespace {

using Clock = std::chrono::steady_clock;
double now_s() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// A slice's buffer for a header announcing `bytes`: the bench sends raw
// float32, so any other size is a peer's mistake.
std::span<std::byte> sized(std::span<std::byte> slice, size_t bytes, int s) {
  TERN_CHECK(bytes == slice.size(), "p3 bench: slice ", s, " announced ", bytes, " bytes, expected ", slice.size());
  return slice;
}

// The arithmetic every schedule must reproduce. Gradients differ per worker
// and per element (modulo a prime, so that a slice landing at the wrong
// offset shows), and stay the same every iteration.
constexpr float kLr = 0.01f;
constexpr int kPattern = 997;
float gradient(int worker, int64_t element) {
  return 1e-3f * static_cast<float>(worker + 1) + 1e-6f * static_cast<float>(element % kPattern);
}
float sgd_step(float w, float sum, int workers) { return w - kLr * (sum / static_cast<float>(workers)); }

std::vector<float> expected_weights(int workers, int iterations) {
  std::vector<float> out(kPattern);
  for (int r = 0; r < kPattern; ++r) {
    float w = 0;
    for (int k = 0; k < iterations; ++k) {
      float sum = 0;
      for (int q = 0; q < workers; ++q) sum += gradient(q, r);
      w = sgd_step(w, sum, workers);
    }
    out[r] = w;
  }
  return out;
}

constexpr double kIdleSleepS = 50e-6;  // between pumps that moved nothing
constexpr int kResultTag = 7310;

// Polls `pump` until `done`, sleeping while nothing moves; a wait that sees
// no progress for the communicator's timeout fails naming `what`.
template <typename Pump, typename Done>
void pump_until(comm::Communicator& comm, Pump&& pump, Done&& done, const char* what) {
  const double timeout = std::chrono::duration<double>(comm.timeout()).count();
  double last = now_s();
  while (!done()) {
    if (pump()) {
      last = now_s();
      continue;
    }
    if (now_s() - last > timeout)
      TERN_FAIL("p3 bench: rank ", comm.rank(), " saw no progress for ", timeout, " s while ", what,
                " (TERN_COMM_TIMEOUT sets the limit)");
    std::this_thread::sleep_for(std::chrono::duration<double>(kIdleSleepS));
  }
}

// Flat offsets of each tensor in a worker's parameter vector.
std::vector<int64_t> tensor_bases(const ModelPlan& plan) {
  std::vector<int64_t> base;
  int64_t at = 0;
  for (const ps::TensorExtent& t : plan.tensors) {
    base.push_back(at);
    at += t.numel;
  }
  return base;
}

struct WorkerStats {
  double iteration_s = 0;
  std::vector<double> stall_s;  // per layer, per timed iteration
  double bytes_sent = 0, bytes_received = 0;
  uint64_t weights_hash = 0;
};

uint64_t fnv1a(std::span<const float> v) {
  uint64_t h = 1469598103934665603ull;
  const auto* p = reinterpret_cast<const unsigned char*>(v.data());
  for (size_t i = 0; i < v.size_bytes(); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

WorkerStats run_worker(comm::Communicator& comm, const BenchOptions& o, const ModelPlan& plan,
                       const ps::Layout& layout, const std::vector<int>& priority, SendOrder order,
                       std::vector<float>& grads, std::vector<float>& weights) {
  const int me = comm.rank();
  const std::vector<int64_t> base = tensor_bases(plan);
  const int num_layers = static_cast<int>(plan.layers.size());
  std::vector<std::vector<int>> layer_slices(num_layers);
  std::vector<int> slice_layer(layout.num_slices());
  for (int s = 0; s < layout.num_slices(); ++s) {
    slice_layer[s] = plan.tensor_layer[layout.slices[s].tensor];
    layer_slices[slice_layer[s]].push_back(s);
  }
  auto span_of = [&](std::vector<float>& v, int s) {
    const ps::Slice& sl = layout.slices[s];
    return std::span<float>(v.data() + base[sl.tensor] + sl.offset, static_cast<size_t>(sl.numel));
  };
  std::fill(weights.begin(), weights.end(), 0.0f);

  std::vector<int> pending(num_layers, 0);  // slices of the layer not back yet
  std::vector<std::unique_ptr<OutLink>> out;
  std::vector<std::unique_ptr<InLink>> in;
  for (int k = 0; k < layout.servers; ++k) {
    const int peer = layout.server_rank(k);
    out.push_back(std::make_unique<OutLink>(comm, peer, order, o.window));
    in.push_back(std::make_unique<InLink>(
        comm, peer, o.window, layout.num_slices(),
        [&](int s, size_t bytes) { return sized(std::as_writable_bytes(span_of(weights, s)), bytes, s); },
        [&](int s) { --pending[slice_layer[s]]; }));
  }
  auto pump = [&] {
    bool any = false;
    for (auto& l : out) any |= l->pump();
    for (auto& l : in) any |= l->pump();
    return any;
  };
  auto compute = [&](double seconds) {  // sleeping, the links kept moving
    const double end = now_s() + seconds;
    for (double t = now_s(); t < end; t = now_s())
      if (!pump()) std::this_thread::sleep_for(std::chrono::duration<double>(std::min(kIdleSleepS, end - t)));
  };
  auto wait_layer = [&](int i) {
    pump_until(comm, pump, [&] { return pending[i] == 0; }, "waiting for a layer's parameters from the servers");
  };

  WorkerStats st;
  st.stall_s.assign(num_layers, 0.0);
  std::vector<double> ready(o.iterations + 1, 0.0);  // when layer 0 of iteration k could start
  for (int k = 0; k <= o.iterations; ++k) {
    for (int i = 0; i < num_layers; ++i) {
      const double t0 = now_s();
      wait_layer(i);
      const double t1 = now_s();
      if (i == 0) ready[k] = t1;
      // Iteration k's window is [ready[k], ready[k+1]): it holds the
      // stalls of layers 1.. of iteration k and of layer 0 of k + 1.
      const bool timed = i == 0 ? (k > o.warmup && k <= o.iterations) : (k >= o.warmup && k < o.iterations);
      if (timed) st.stall_s[i] += t1 - t0;
      if (k == o.iterations) continue;  // the last "forward" only waits, for the final weights
      compute(plan.layers[i].forward_s);
    }
    if (k == o.iterations) break;
    for (int i = num_layers - 1; i >= 0; --i) {
      compute(plan.layers[i].backward_s);
      for (int s : layer_slices[i]) {
        ++pending[i];
        out[layout.slices[s].server]->enqueue(s, priority[s], std::as_bytes(span_of(grads, s)));
      }
    }
  }
  pump_until(comm, pump, [&] { return std::all_of(out.begin(), out.end(), [](auto& l) { return l->idle(); }); },
             "waiting for the servers to take the last pushes");

  const int timed = o.iterations - o.warmup;
  st.iteration_s = (ready[o.iterations] - ready[o.warmup]) / timed;
  for (double& s : st.stall_s) s /= timed;
  for (auto& l : out) st.bytes_sent += static_cast<double>(l->bytes_sent()) / o.iterations;
  for (auto& l : in) st.bytes_received += static_cast<double>(l->bytes_received()) / o.iterations;

  const std::vector<float> want = expected_weights(layout.workers, o.iterations);
  for (size_t j = 0; j < weights.size(); ++j) {
    const float e = want[j % kPattern];
    TERN_CHECK(std::fabs(weights[j] - e) <= 1e-6f * std::max(1.0f, std::fabs(e)), "p3 bench: worker ", me,
               " ended with weight ", weights[j], " at element ", j, " where the servers' arithmetic gives ", e,
               " (a slice went to the wrong place)");
  }
  st.weights_hash = fnv1a(weights);
  return st;
}

struct ServerStats {
  double bytes_sent = 0, bytes_received = 0;
};

ServerStats run_server(comm::Communicator& comm, const BenchOptions& o, const ps::Layout& layout,
                       const std::vector<int>& priority, SendOrder order) {
  const int k = layout.server_index(comm.rank());
  const std::vector<int>& owned = layout.owned[k];
  std::vector<int64_t> local(layout.num_slices(), -1);
  int64_t elems = 0;
  for (int s : owned) {
    local[s] = elems;
    elems += layout.slices[s].numel;
  }
  const int workers = layout.workers;
  std::vector<float> weights(static_cast<size_t>(elems), 0.0f);
  std::vector<std::vector<float>> staged(workers, std::vector<float>(static_cast<size_t>(elems)));
  auto span_of = [&](std::vector<float>& v, int s) {
    return std::span<float>(v.data() + local[s], static_cast<size_t>(layout.slices[s].numel));
  };
  std::vector<int> arrived(layout.num_slices(), 0);
  std::vector<int> complete;  // slices every worker pushed, not yet aggregated
  std::vector<std::unique_ptr<OutLink>> out;
  std::vector<std::unique_ptr<InLink>> in;
  for (int w = 0; w < workers; ++w) {
    out.push_back(std::make_unique<OutLink>(comm, w, order, o.window));
    in.push_back(std::make_unique<InLink>(
        comm, w, o.window, layout.num_slices(), [&, w](int s, size_t bytes) {
          TERN_CHECK(local[s] >= 0, "p3 bench: server ", k, " got slice ", s,
                     " from worker ", w, ", which it does not own");
          return sized(std::as_writable_bytes(span_of(staged[w], s)), bytes, s);
        },
        [&](int s) {
          if (++arrived[s] == workers) complete.push_back(s);
        }));
  }
  const int64_t total = static_cast<int64_t>(owned.size()) * o.iterations;
  int64_t replied = 0;
  auto pump = [&] {
    bool any = false;
    for (auto& l : in) any |= l->pump();
    for (int s : complete) {
      std::span<float> w = span_of(weights, s);
      for (size_t j = 0; j < w.size(); ++j) {
        float sum = 0;
        for (int q = 0; q < workers; ++q) sum += staged[q][local[s] + j];
        w[j] = sgd_step(w[j], sum, workers);
      }
      arrived[s] = 0;
      for (auto& l : out) l->enqueue(s, priority[s], std::as_bytes(std::span<const float>(w)));
      ++replied;
      any = true;
    }
    complete.clear();
    for (auto& l : out) any |= l->pump();
    return any;
  };
  pump_until(
      comm, pump,
      [&] {
        return replied == total && std::all_of(out.begin(), out.end(), [](auto& l) { return l->idle(); });
      },
      "waiting for the workers' pushes");
  ServerStats st;
  for (auto& l : out) st.bytes_sent += static_cast<double>(l->bytes_sent()) / o.iterations;
  for (auto& l : in) st.bytes_received += static_cast<double>(l->bytes_received()) / o.iterations;
  return st;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

void check_bench_options(const BenchOptions& o) {
  nn::find_model(o.model);
  TERN_CHECK(o.servers >= 1, "--servers must be >= 1, got ", o.servers);
  TERN_CHECK(o.slice_elems >= 1, "--slice-elems must be >= 1, got ", o.slice_elems);
  TERN_CHECK(!o.schedules.empty(), "--schedules needs at least one of whole, fifo, p3");
  for (const std::string& s : o.schedules) parse_schedule(s);
  TERN_CHECK(o.batch >= 1, "--batch must be >= 1, got ", o.batch);
  TERN_CHECK(o.tflops > 0, "--tflops must be > 0, got ", o.tflops);
  TERN_CHECK(o.warmup >= 0 && o.iterations > o.warmup, "--iterations (", o.iterations,
             ") must exceed --warmup (", o.warmup, ")");
  TERN_CHECK(o.rounds >= 1, "--rounds must be >= 1, got ", o.rounds);
  TERN_CHECK(o.window >= 1, "--window must be >= 1 slice, got ", o.window);
}

BenchResult run_bench(const BenchOptions& o, const std::function<void(const std::string&)>& inform) {
  check_bench_options(o);
  std::unique_ptr<comm::Communicator> world = comm::mpi_world();
  const std::optional<comm::LinkEmulation> emulation =
      o.emulate.empty() ? comm::link_emulation_from_env(world->size())
                        : std::optional(comm::parse_link_emulation(o.emulate, world->size()));
  if (emulation) world = comm::emulate_links(std::move(world), *emulation);
  const int rank = world->rank(), size = world->size();
  TERN_CHECK(o.servers < size, "p3 bench: ", o.servers, " server(s) leave no worker among ", size,
             " ranks (run under mpirun with at least servers + 1 ranks)");

  const ModelPlan plan = plan_zoo_model(o.model, o.batch, o.tflops * 1e12);
  // Only the layouts a schedule asks for: whole tensors need one tensor per
  // server, which --schedules fifo,p3 with many servers must not require.
  std::optional<ps::Layout> whole, sliced;
  for (const std::string& name : o.schedules) {
    const bool cut = parse_schedule(name).sliced;
    std::optional<ps::Layout>& l = cut ? sliced : whole;
    if (!l) l = ps::Layout::make(size, o.servers, plan.tensors, cut ? o.slice_elems : 0);
  }
  const int workers = size - o.servers;  // ps/layout.h: the last `servers` ranks serve
  auto is_server = [&](int q) { return q >= workers; };
  const bool server = is_server(rank);

  BenchResult r;
  r.leader = rank == 0;
  r.model = o.model;
  r.backend = world->backend();
  if (emulation) r.link_emulation = emulation->describe();
  r.workers = workers;
  r.servers = o.servers;
  r.batch = o.batch;
  r.parameters = plan.parameters;
  r.slice_elems = o.slice_elems;
  r.tflops = o.tflops;
  for (const PlanLayer& l : plan.layers) r.compute_s += l.forward_s + l.backward_s;
  r.iterations = o.iterations;
  r.warmup = o.warmup;
  r.rounds = o.rounds;
  r.window = o.window;
  const int num_layers = static_cast<int>(plan.layers.size());

  std::vector<float> grads, weights;
  if (!server) {
    grads.resize(static_cast<size_t>(plan.parameters));
    weights.resize(static_cast<size_t>(plan.parameters));
    for (size_t j = 0; j < grads.size(); ++j) grads[j] = gradient(rank, static_cast<int64_t>(j));
  }
  for (const std::string& name : o.schedules) {
    r.schedules.emplace_back();
    r.schedules.back().schedule = name;
  }
  // Per schedule: per round, the median-round's details are kept below.
  struct Round {
    double iteration_s = 0;
    std::vector<double> stall;
    double sent = 0, received = 0, busiest_share = 0;
  };
  std::vector<std::vector<Round>> rounds(o.schedules.size());
  std::optional<uint64_t> hash;

  for (int round = 0; round < o.rounds; ++round) {
    for (size_t si = 0; si < o.schedules.size(); ++si) {
      const Schedule sch = parse_schedule(o.schedules[si]);
      const ps::Layout& layout = sch.sliced ? *sliced : *whole;
      const std::vector<int> priority = slice_priorities(plan, layout);
      world->barrier();
      // Results travel to rank 0 as doubles: workers [iteration, sent,
      // received, hash bits, stalls...], servers [sent, received].
      std::vector<double> mine;
      if (server) {
        const ServerStats st = run_server(*world, o, layout, priority, sch.order);
        mine = {st.bytes_sent, st.bytes_received};
      } else {
        const WorkerStats st = run_worker(*world, o, plan, layout, priority, sch.order, grads, weights);
        double hash_bits;
        static_assert(sizeof(hash_bits) == sizeof(st.weights_hash));
        std::memcpy(&hash_bits, &st.weights_hash, sizeof hash_bits);
        mine = {st.iteration_s, st.bytes_sent, st.bytes_received, hash_bits};
        mine.insert(mine.end(), st.stall_s.begin(), st.stall_s.end());
      }
      world->barrier();  // every link idle before the next run's links exist
      if (rank != 0) {
        world->send(std::span<const double>(mine), 0, kResultTag);
        continue;
      }
      Round rd;
      rd.stall.assign(num_layers, 0.0);
      double server_max = 0, server_sum = 0;
      for (int q = 0; q < size; ++q) {
        std::vector<double> v = mine;
        if (q != 0) {
          v.assign(is_server(q) ? 2 : 4 + num_layers, 0.0);
          world->recv(std::span<double>(v), q, kResultTag);
        }
        if (is_server(q)) {
          server_max = std::max(server_max, v[0] + v[1]);
          server_sum += v[0] + v[1];
          continue;
        }
        uint64_t h;
        std::memcpy(&h, &v[3], sizeof h);
        TERN_CHECK(!hash || *hash == h, "p3 bench: worker ", q, " ended schedule ", sch.name,
                   " with other weights than the first run (the schedules must agree bit for bit)");
        hash = h;
        rd.iteration_s = std::max(rd.iteration_s, v[0]);
        rd.sent += v[1] / workers;
        rd.received += v[2] / workers;
        for (int i = 0; i < num_layers; ++i) rd.stall[i] = std::max(rd.stall[i], v[4 + i]);
      }
      rd.busiest_share = server_sum > 0 ? server_max / server_sum : 0;
      rounds[si].push_back(rd);
      r.schedules[si].slices = layout.num_slices();
      inform(str_cat("round ", round + 1, "/", o.rounds, " ", sch.name, ": ", rd.iteration_s * 1e3,
                     " ms per iteration"));
    }
  }
  if (rank != 0) return r;
  for (size_t si = 0; si < o.schedules.size(); ++si) {
    ScheduleResult& s = r.schedules[si];
    for (const Round& rd : rounds[si]) s.iteration_s.push_back(rd.iteration_s);
    s.median_iteration_s = median(s.iteration_s);
    // Details from the round closest to the median.
    const Round* mid = &rounds[si][0];
    for (const Round& rd : rounds[si])
      if (std::fabs(rd.iteration_s - s.median_iteration_s) < std::fabs(mid->iteration_s - s.median_iteration_s))
        mid = &rd;
    s.worker_bytes_sent = mid->sent;
    s.worker_bytes_received = mid->received;
    s.busiest_server_share = mid->busiest_share;
    std::vector<int> order(num_layers);
    for (int i = 0; i < num_layers; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](int a, int b) { return mid->stall[a] > mid->stall[b]; });
    for (int i = 0; i < num_layers; ++i) s.forward_stall_s += mid->stall[i];
    for (int i = 0; i < std::min(num_layers, 5); ++i)
      if (mid->stall[order[i]] >= 5e-5) s.top_stalls.push_back({plan.layers[order[i]].name, mid->stall[order[i]]});
  }
  return r;
}

}  // namespace tern::distributed::p3
