// `tern train --dist ps --servers K`: parameter-server training. The last K
// ranks are servers (tern/distributed/ps/server.h), the others workers
// (worker.h) that run the ordinary training loop on their shard with batch
// opt.batch_size each. Pushes and pulls go through the codecs named in the
// options (3LC, ...; the same one both ways unless the pull codec is set),
// with separate error-feedback state per tensor and direction.
//
// Checkpoints (synchronous mode): worker 0 writes opt.checkpoint (its
// replica) and server k writes opt.checkpoint + ".server<k>" (the master copy
// of its tensors and their optimiser state) after every epoch, atomically;
// each side's codec state goes beside them (F.worker<k>.codec,
// F.server<k>.codec). --resume F reads them all.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/ps/attack.h"
#include "tern/distributed/ps/layout.h"
#include "tern/train/trainer.h"

namespace tern::distributed::ps {

struct PsOptions {
  int servers = 1;
  bool async = false;  // false: synchronous rounds
  int staleness = 0;   // async: steps the fastest worker may run ahead of the slowest
  std::string codec = "none";  // pushes, and pulls unless pull_codec is set
  compress::CodecArgs codec_args;
  std::string pull_codec;       // empty: the push codec with its arguments
  compress::CodecArgs pull_codec_args;
  // DGC's momentum correction: workers keep the SGD momentum and push their
  // velocity through the codec (zeroing it where an element was sent); the
  // servers then step without momentum. Needs --optimizer sgd, momentum > 0
  // and a sparsifying push codec (topk, randomk, 3lc): with a dense one every
  // element is sent each step and the masking would leave no momentum.
  bool momentum_correction = false;
  // The servers' aggregation rule and the workers' send order (hooks.h).
  std::string aggregator = "mean";
  Args aggregator_args = Args("aggregation argument ");
  // Byzantine resilience (AggregaThor): the rule tolerates byzantine_f bad
  // workers (-1: as many as attack.byzantine); attack.byzantine real worker
  // ranks (the last ones) push forged gradients (attack.h).
  int byzantine_f = -1;
  AttackOptions attack;
  // AggregaThor's lossy transport (udp.h): pushes as UDP datagrams on
  // loopback, `udp_loss` of them dropped at the receiver (emulated), the
  // servers waiting at most `udp_deadline_ms` per round; pulls stay on MPI.
  std::string transport = "mpi";  // or "udp"
  double udp_loss = 0;
  double udp_deadline_ms = 2000;
  // Cut every tensor into slices of at most this many elements, spread over
  // the servers (layout.h; P3's slicing); 0: whole tensors.
  int64_t slice_elems = 0;
  // How pushes and pulls are scheduled: "fifo" (rounds: every push in
  // backward order, then one update, then every pull; worker.h) or "p3"
  // (P3: per-slice pushes as backward produces them, priority queues on
  // credit-windowed links, per-slice updates and replies, per-layer
  // readiness in the next forward; p3_worker.h). p3 slices at
  // kP3DefaultSliceElems unless slice_elems is set.
  std::string send_schedule = "fifo";
  int send_window = 2;  // p3: slices in flight per link and direction
  std::string send_scheduler = "backward-order";
  Args send_scheduler_args = Args("send scheduler argument ");
};

// The reference implementation's slice size (MXNET_KVSTORE_SLICE_THRESHOLD
// in anandj91/p3): what --send-schedule p3 uses without --slice-elems.
inline constexpr int64_t kP3DefaultSliceElems = 40000;

struct PsRunResult {
  bool is_server = false;
  train::TrainResult train;  // workers only
  // --send-schedule p3, workers: seconds the forward passes stalled at
  // each module (modules that never waited left out), and the payload
  // bytes this worker pushed to / pulled from each server.
  std::map<std::string, double> layer_wait_s;
  std::vector<int64_t> bytes_pushed, bytes_pulled;
};

// What the layout needs of each of the model's parameters.
std::vector<TensorExtent> tensor_extents(const nn::Module& model);

// The file server `k` of a job checkpointing to `checkpoint` writes.
std::string server_checkpoint_path(const std::string& checkpoint, int k);

// Throws ValueError (one line) on options that cannot work together; run it
// before MPI starts to report them without an MPI abort.
void check_ps_options(const train::TrainOptions& opt, const PsOptions& ps);

// The f the aggregation rule is built for.
inline int byzantine_f(const PsOptions& ps) { return ps.byzantine_f >= 0 ? ps.byzantine_f : ps.attack.byzantine; }
// Throws ValueError (one line) if the options cannot run with `workers`
// workers: attackers leaving no honest worker, the rule's bound on n and f.
void check_ps_workers(const PsOptions& ps, int workers);

PsRunResult train_parameter_server(const train::TrainOptions& opt, const PsOptions& ps, comm::Communicator& world);

}  // namespace tern::distributed::ps
