// Parameter-server training iterations with sliced, scheduled transfers:
// the cost model behind `tern simulate p3`, and the same iteration
// `tern bench p3` runs (tern/distributed/p3/bench.h), so the two can be
// checked against each other before the model is used at cluster scale.
//
// The model, event by event:
//  - Every rank has one NIC, bytes_per_s in each direction (full duplex, as
//    scripts/netem.sh shapes a rank's veth both ways). Transfers in progress
//    share NICs max-min fairly (a sender's active peers get equal shares,
//    as htb's per-peer classes give them; a receiver's likewise).
//  - Each worker->server and server->worker pair is one ordered stream (one
//    TCP connection): it transmits one slice at a time, in the order slices
//    were handed to it; at most `window` slices are handed over and not yet
//    credited back (p3/link/credit_link.h). A slice arrives alpha_s after its last
//    byte left; its credit returns alpha_s after that. Slices not yet handed
//    over wait in the stream's send queue, FIFO or by priority (layer
//    index, input layer first).
//  - A worker's forward pass runs layer by layer, layer i once all of its
//    slices are back (not on the first iteration); backward runs last layer
//    first and queues each layer's slices when the layer is done. Compute
//    times are given per layer.
//  - A server replies to every worker as soon as all workers' pushes of a
//    slice are in; aggregation costs nothing (next to a network it is small).
// Not modelled: TCP slow start and congestion control, per-message CPU
// cost, the sender's kernel buffers (window counts slices, not bytes).
#pragma once

#include <vector>

namespace tern::distributed::netsim {

struct PsLayer {
  double forward_s = 0, backward_s = 0;
};

struct PsSlice {
  double bytes = 0;
  int layer = 0;   // index into the layers; also its priority (smaller first)
  int server = 0;  // 0..servers-1
};

struct PsCluster {
  int workers = 1, servers = 1;
  double bytes_per_s = 125e6;  // every rank's NIC, each direction
  double alpha_s = 50e-6;      // one message's latency after its transfer
  int window = 2;              // slices handed over per stream, not yet credited
};

enum class PsSendOrder { fifo, priority };

struct PsIterationTime {
  double iteration_s = 0;      // mean of the timed iterations, slowest worker
  double forward_stall_s = 0;  // per iteration, worker 0: forward waiting for slices
};

// Simulates `iterations` iterations and times those after `warmup`, with
// the same window as tern bench p3: from the moment layer 0 may start
// computing in iteration `warmup` to that moment in iteration `iterations`.
// Throws ValueError on counts < 1, a slice's bad layer or server, or
// iterations <= warmup.
PsIterationTime simulate_ps_iterations(const std::vector<PsLayer>& layers, const std::vector<PsSlice>& slices,
                                       const PsCluster& cluster, PsSendOrder order, int iterations = 4,
                                       int warmup = 1);

}  // namespace tern::distributed::netsim
