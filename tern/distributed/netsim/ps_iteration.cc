#include "tern/distributed/netsim/ps_iteration.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <queue>

#include "tern/base/error.h"

namespace tern::distributed::netsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One ordered stream: a send queue, then up to `window` slices handed over
// (transmitting in order, or sent and waiting for their credit).
struct Stream {
  int src = 0, dst = 0;
  struct Queued {
    int key;
    long seq;
    int slice;
    bool operator>(const Queued& o) const { return key != o.key ? key > o.key : seq > o.seq; }
  };
  std::priority_queue<Queued, std::vector<Queued>, std::greater<>> queue;
  std::deque<int> transmitting;  // handed over, bytes still leaving; front first
  double front_left = 0;         // bytes of the front slice not yet sent
  int uncredited = 0;            // handed over and not yet credited back
  double rate = 0;
};

enum class EventKind { compute_done, arrival, credit };
struct Event {
  double t;
  long seq;  // ties in creation order: deterministic
  EventKind kind;
  int who;    // compute_done: worker; arrival/credit: stream
  int slice;  // arrival
  bool operator>(const Event& o) const { return t != o.t ? t > o.t : seq > o.seq; }
};

class Simulation {
 public:
  Simulation(const std::vector<PsLayer>& layers, const std::vector<PsSlice>& slices, const PsCluster& c,
             PsSendOrder order, int iterations, int warmup)
      : layers_(layers), slices_(slices), c_(c), order_(order), iterations_(iterations), warmup_(warmup) {
    const int L = static_cast<int>(layers.size());
    layer_slices_.resize(L);
    for (int s = 0; s < static_cast<int>(slices.size()); ++s) layer_slices_[slices[s].layer].push_back(s);
    for (int w = 0; w < c.workers; ++w)
      for (int k = 0; k < c.servers; ++k) {
        push_stream_.push_back(add_stream(w, c.workers + k));
        pull_stream_.push_back(add_stream(c.workers + k, w));
      }
    workers_.resize(c.workers);
    for (Worker& w : workers_) {
      w.pending.assign(L, 0);
      w.ready.assign(iterations + 1, 0.0);
    }
    arrived_.assign(slices.size(), 0);
  }

  PsIterationTime run() {
    for (int w = 0; w < c_.workers; ++w) advance(w);
    while (done_ < c_.workers) {
      const double next_event = events_.empty() ? kInf : events_.top().t;
      // The first transfer to finish at the current rates.
      double next_tx = kInf;
      int tx_stream = -1;
      for (int i = 0; i < static_cast<int>(streams_.size()); ++i) {
        const Stream& st = streams_[i];
        if (st.transmitting.empty() || st.rate <= 0) continue;
        const double t = now_ + st.front_left / st.rate;
        if (t < next_tx) next_tx = t, tx_stream = i;
      }
      TERN_ASSERT(next_event < kInf || next_tx < kInf, "ps simulation stalled at t=", now_);
      const double t = std::min(next_event, next_tx);
      for (Stream& st : streams_)
        if (!st.transmitting.empty()) st.front_left -= st.rate * (t - now_);
      now_ = t;
      if (next_tx <= next_event) {
        Stream& st = streams_[tx_stream];
        const int slice = st.transmitting.front();
        st.transmitting.pop_front();
        st.front_left = st.transmitting.empty() ? 0 : slices_[st.transmitting.front()].bytes;
        if (st.transmitting.empty()) rates_stale_ = true;
        schedule(now_ + c_.alpha_s, EventKind::arrival, tx_stream, slice);
      } else {
        const Event e = events_.top();
        events_.pop();
        handle(e);
      }
      // Rates change only when a stream starts or stops transmitting.
      if (rates_stale_) share_bandwidth();
    }
    PsIterationTime r;
    const int timed = iterations_ - warmup_;
    for (const Worker& w : workers_)
      r.iteration_s = std::max(r.iteration_s, (w.ready[iterations_] - w.ready[warmup_]) / timed);
    r.forward_stall_s = workers_[0].stall / timed;
    return r;
  }

 private:
  struct Worker {
    int k = 0;            // iteration
    bool forward = true;  // else backward
    int layer = 0;
    bool busy = false;    // computing
    bool waiting = false;
    double wait_since = 0, stall = 0;
    std::vector<int> pending;  // slices of each layer not back yet
    std::vector<double> ready;
  };

  int add_stream(int src, int dst) {
    streams_.push_back({});
    streams_.back().src = src;
    streams_.back().dst = dst;
    return static_cast<int>(streams_.size()) - 1;
  }
  void schedule(double t, EventKind kind, int who, int slice = -1) { events_.push({t, seq_++, kind, who, slice}); }

  void enqueue(int stream, int slice) {
    Stream& st = streams_[stream];
    st.queue.push({order_ == PsSendOrder::priority ? slices_[slice].layer : 0, seq_++, slice});
    hand_over(st);
  }
  void hand_over(Stream& st) {
    while (st.uncredited < c_.window && !st.queue.empty()) {
      const int slice = st.queue.top().slice;
      st.queue.pop();
      if (st.transmitting.empty()) st.front_left = slices_[slice].bytes, rates_stale_ = true;
      st.transmitting.push_back(slice);
      ++st.uncredited;
    }
  }

  bool timed_stall(int layer, int k) const {
    return layer == 0 ? (k > warmup_ && k <= iterations_) : (k >= warmup_ && k < iterations_);
  }

  // Moves worker w on until it computes, waits, or has finished.
  void advance(int wi) {
    Worker& w = workers_[wi];
    while (!w.busy) {
      if (w.forward) {
        if (w.k > 0 && w.pending[w.layer] > 0) {
          if (!w.waiting) w.waiting = true, w.wait_since = now_;
          return;
        }
        if (w.waiting) {
          if (wi == 0 && timed_stall(w.layer, w.k)) w.stall += now_ - w.wait_since;
          w.waiting = false;
        }
        if (w.layer == 0) w.ready[w.k] = now_;
        if (w.k == iterations_) {  // the last "forward" only waits for layer 0
          ++done_;
          w.busy = true;  // never again
          return;
        }
        w.busy = true;
        schedule(now_ + layers_[w.layer].forward_s, EventKind::compute_done, wi);
      } else {
        w.busy = true;
        schedule(now_ + layers_[w.layer].backward_s, EventKind::compute_done, wi);
      }
    }
  }

  void compute_done(int wi) {
    Worker& w = workers_[wi];
    const int L = static_cast<int>(layers_.size());
    w.busy = false;
    if (w.forward) {
      if (++w.layer == L) w.forward = false, w.layer = L - 1;
    } else {
      for (int s : layer_slices_[w.layer]) {
        ++w.pending[w.layer];
        enqueue(push_stream_[wi * c_.servers + slices_[s].server], s);
      }
      if (--w.layer < 0) w.forward = true, w.layer = 0, ++w.k;
    }
    advance(wi);
  }

  void handle(const Event& e) {
    if (e.kind == EventKind::compute_done) return compute_done(e.who);
    Stream& st = streams_[e.who];
    if (e.kind == EventKind::credit) {
      --st.uncredited;
      hand_over(st);
      return;
    }
    schedule(now_ + c_.alpha_s, EventKind::credit, e.who);
    if (st.dst >= c_.workers) {  // a push reached its server
      if (++arrived_[e.slice] < c_.workers) return;
      arrived_[e.slice] = 0;
      const int k = st.dst - c_.workers;
      for (int w = 0; w < c_.workers; ++w) enqueue(pull_stream_[w * c_.servers + k], e.slice);
      return;
    }
    Worker& w = workers_[st.dst];
    --w.pending[slices_[e.slice].layer];
    if (w.waiting) advance(st.dst);
  }

  // Max-min fair rates of the transmitting streams over every rank's NIC
  // (egress and ingress, bytes_per_s each): progressive filling.
  void share_bandwidth() {
    rates_stale_ = false;
    const int ranks = c_.workers + c_.servers;
    std::vector<double> cap(2 * ranks, c_.bytes_per_s);  // [egress r, ingress r]
    std::vector<int> users(2 * ranks, 0);
    std::vector<int> active;
    for (int i = 0; i < static_cast<int>(streams_.size()); ++i) {
      streams_[i].rate = 0;
      if (streams_[i].transmitting.empty()) continue;
      active.push_back(i);
      ++users[streams_[i].src];
      ++users[ranks + streams_[i].dst];
    }
    while (!active.empty()) {
      int tight = -1;
      double share = kInf;
      for (int r = 0; r < 2 * ranks; ++r)
        if (users[r] > 0 && cap[r] / users[r] < share) share = cap[r] / users[r], tight = r;
      std::vector<int> rest;
      for (int i : active) {
        Stream& st = streams_[i];
        if (st.src == tight || ranks + st.dst == tight) {
          st.rate = share;
          cap[st.src] -= share;
          cap[ranks + st.dst] -= share;
          --users[st.src];
          --users[ranks + st.dst];
        } else {
          rest.push_back(i);
        }
      }
      active.swap(rest);
    }
  }

  const std::vector<PsLayer>& layers_;
  const std::vector<PsSlice>& slices_;
  const PsCluster c_;
  const PsSendOrder order_;
  const int iterations_, warmup_;
  std::vector<std::vector<int>> layer_slices_;
  std::vector<Stream> streams_;
  std::vector<int> push_stream_, pull_stream_;  // [worker * servers + server]
  std::vector<Worker> workers_;
  std::vector<int> arrived_;  // pushes of each slice in at its server
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  double now_ = 0;
  long seq_ = 0;
  int done_ = 0;
  bool rates_stale_ = false;
};

}  // namespace

PsIterationTime simulate_ps_iterations(const std::vector<PsLayer>& layers, const std::vector<PsSlice>& slices,
                                       const PsCluster& cluster, PsSendOrder order, int iterations, int warmup) {
  TERN_CHECK(cluster.workers >= 1 && cluster.servers >= 1, "ps simulation: needs >= 1 worker and server, got ",
             cluster.workers, " and ", cluster.servers);
  TERN_CHECK(cluster.bytes_per_s > 0 && cluster.alpha_s >= 0 && cluster.window >= 1,
             "ps simulation: needs bytes_per_s > 0, alpha_s >= 0 and window >= 1");
  TERN_CHECK(!layers.empty(), "ps simulation: no layers");
  TERN_CHECK(warmup >= 0 && iterations > warmup, "ps simulation: iterations (", iterations,
             ") must exceed warmup (", warmup, ")");
  for (const PsSlice& s : slices)
    TERN_CHECK(s.layer >= 0 && s.layer < static_cast<int>(layers.size()) && s.server >= 0 &&
                   s.server < cluster.servers && s.bytes > 0,
               "ps simulation: a slice has layer ", s.layer, ", server ", s.server, " and ", s.bytes, " bytes");
  return Simulation(layers, slices, cluster, order, iterations, warmup).run();
}

}  // namespace tern::distributed::netsim
