// A parameter server: holds the master copy of the tensors the layout gives
// it and their optimiser state; every step it receives each worker's
// gradient push, combines them with the aggregation rule, takes an optimiser
// step, and sends the resulting model delta back (its pull), encoded with
// the pull codec and its own error-feedback state.
//
// Synchronous mode: one update per step from all workers' gradients, and the
// same delta stream goes to every worker, so all replicas stay identical.
// Asynchronous mode: each push is applied as it arrives (scaled by
// 1/workers); a worker gets its pull (every update since its last one) only
// while it is at most `staleness` steps ahead of the slowest worker.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/p3/link/send_queue.h"
#include "tern/distributed/ps/hooks.h"
#include "tern/distributed/ps/layout.h"
#include "tern/distributed/ps/udp.h"
#include "tern/nn/module.h"
#include "tern/optim/optimizer.h"

namespace tern::distributed::ps {

struct ServerConfig {
  const Layout* layout = nullptr;
  int server = 0;                   // index among servers
  std::vector<Tensor> params;       // one per slice of the layout; only owned ones are defined and touched
  std::unique_ptr<optim::Optimizer> optimizer;  // over the owned slices' tensors
  std::function<void(optim::Optimizer&, int64_t epoch)> set_epoch;  // learning-rate schedule
  int64_t steps_per_epoch = 1;
  int64_t first_step = 0;           // global step the run starts at
  int64_t steps = 0;                // pushes each worker makes
  const compress::Codec* push_codec = nullptr;
  const compress::Codec* pull_codec = nullptr;
  // Combines the workers' pushes of all owned tensors as one vector (a
  // robust rule then sees each worker's whole gradient on this server).
  Aggregator* aggregator = nullptr;
  bool async = false;
  int staleness = 0;
  // Pushes over UDP (udp.h; synchronous mode): the loss rate emulated at the
  // receiver, its seed, and the most a round waits for datagrams.
  bool udp = false;
  double udp_loss = 0;
  uint64_t udp_seed = 0;
  double udp_deadline_seconds = 2;
  // P3's schedule (p3_server.cc; synchronous mode, MPI transport): pushes
  // and pulls per slice over credit-windowed links of `p3_window` slices,
  // each slice aggregated, stepped and sent back as soon as every worker's
  // push of it is in, highest priority (the input layer) first with
  // SendOrder::priority, in order of completion with fifo. Unset: rounds.
  std::optional<p3::SendOrder> p3_order;
  int p3_window = 4;
  // Synchronous mode: called after the round that completes each epoch
  // (1-based count of epochs done), e.g. to write the server's checkpoint.
  std::function<void(int64_t epochs_done)> on_epoch_end;
  // Synchronous mode: where the pull codec's state goes after each epoch
  // (empty: nowhere), and where a resumed run reads it from (empty: start
  // at zero); see codec_state_file.h.
  std::string save_codec_state;
  std::string resume_codec_state;
};

// The tensors a server updates, one per slice it owns (by_slice; the others
// undefined): a whole-tensor slice is the model's parameter itself, a partial
// one a new tensor holding a copy of its range, named "<param>[begin:end]"
// (so checkpoints and optimiser state name slices).
struct ServerTensors {
  std::vector<Tensor> by_slice;
  std::vector<optim::ParamRef> owned;
};
ServerTensors server_tensors(const Layout& layout, int server, const nn::NamedTensors& params);

class Server {
 public:
  // How many communicator timeouts a server waits for the first push after
  // an epoch end (the workers evaluate and checkpoint meanwhile).
  static constexpr int kEpochEndSlack = 20;

  explicit Server(ServerConfig config);
  // Serves until every worker has made config.steps pushes and got its pulls.
  void run(comm::Communicator& world);

 private:
  void run_sync(comm::Communicator& world);
  void run_async(comm::Communicator& world);
  void run_p3(comm::Communicator& world);  // p3_server.cc
  // P3: aggregates owned slice `j` over the workers (grads_), steps it and
  // returns its model delta in delta.
  void step_slice(int j, int64_t global_step, std::vector<float>& delta);
  // Receives the rest of worker w's push (first header already read) into grads_[w].
  void receive_push(comm::Communicator& world, int w, const struct TensorHeader* first);
  // Aggregates `grads` (one flat vector of the owned tensors per worker;
  // one vector: taken as it is) and takes one optimiser step; adds the
  // change to every pending pull.
  void apply(const std::vector<std::vector<float>*>& grads_per_worker, int64_t global_step);
  void send_pull(comm::Communicator& world, int w, int encoder);
  // UDP rounds: the workers' pushes from the socket, lost coordinates filled.
  void receive_udp_round(uint64_t round);

  ServerConfig c_;
  std::vector<int> owned_;                        // slice indices
  std::vector<int> local_;                        // slice -> position in owned_, or -1
  uint64_t max_push_bytes_ = 0;                   // largest valid push stream of an owned slice
  int64_t epoch_ = -1;                            // the epoch the learning rate was last set for
  std::vector<int64_t> offset_;                   // owned tensor -> start in a flat gradient
  int64_t owned_numel_ = 0;
  std::vector<std::vector<float>> grads_;         // worker -> owned tensors, flat
  std::unique_ptr<udp::Receiver> udp_;            // with c_.udp
  std::vector<std::vector<uint8_t>> present_;     // UDP: worker -> which values arrived
  std::vector<float> aggregated_;
  std::vector<std::vector<std::vector<float>>> pending_;  // encoder -> owned tensor -> update since its last pull
  std::vector<std::unique_ptr<class TensorEncoder>> pull_encoders_;  // sync: one; async: one per worker
};

}  // namespace tern::distributed::ps
