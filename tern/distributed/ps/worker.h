// A parameter-server worker: trains on its shard with the ordinary training
// loop (tern/train) and, instead of a local optimiser step, pushes each
// gradient slice (layout.h; encoded, with its own error-feedback state per
// slice) to the server that owns it, in the send scheduler's order, then applies the model
// deltas the servers send back.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/ps/attack.h"
#include "tern/distributed/ps/hooks.h"
#include "tern/distributed/ps/layout.h"
#include "tern/distributed/ps/momentum_correction.h"
#include "tern/distributed/ps/udp.h"
#include "tern/distributed/ps/tensor_codec_table.h"
#include "tern/train/trainer.h"

namespace tern::distributed::ps {

class WorkerContext final : public train::RunContext {
 public:
  // `world` holds workers and servers; `workers` only the workers (for sums).
  WorkerContext(comm::Communicator& world, comm::Communicator& workers, const Layout& layout, const compress::Codec& push_codec,
                const compress::Codec& pull_codec, const SendScheduler& scheduler);
  int rank() const override { return workers_.rank(); }
  int world() const override { return workers_.size(); }
  void start(nn::Module& model, optim::Optimizer& optimizer) override;
  bool after_backward(nn::Module& model, int64_t epoch) override;
  void end_epoch(nn::Module& model) override;
  void sum(std::span<double> values) override;
  bool is_leader() const override { return workers_.rank() == 0; }
  // Makes this worker join a Byzantine experiment: every worker learns the
  // attack (omniscient ones need all workers' moments, attack.h); an
  // attacker pushes forged gradients. `classes`: for labelflip.
  void set_attack(std::shared_ptr<const Attack> attack, bool attacker, int64_t classes, uint64_t seed) {
    attack_ = std::move(attack);
    attacker_ = attacker;
    classes_ = classes;
    attack_seed_ = seed;
  }
  void before_forward(Tensor& inputs, Tensor& labels) override;
  // Pushes through DGC's momentum correction (momentum_correction.h) with
  // momentum m; the servers must then step without momentum.
  void set_momentum_correction(float m) { momentum_correction_.emplace(m); }
  // Pushes as UDP datagrams (udp.h, raw float32, no codec); pulls stay on MPI.
  void set_udp(bool on) { use_udp_ = on; }
  // The pushes' codec state (and velocities) in checkpoint + ".worker<k>.codec".
  void save_state(const std::string& checkpoint, int64_t epochs_done) override;
  void restore_state(const std::string& checkpoint, int64_t epochs_done) override;

 private:
  std::string state_path(const std::string& checkpoint) const;
  // This step's gradients of every parameter, contiguous float32, in grads_.
  void gather_grads();
  // UDP: sends this step's gradient (each slice's from `slice_grad`) to every server.
  void push_udp(uint64_t round, const std::function<std::span<const float>(const Slice&)>& slice_grad);
  // Every server's pull of this step, applied to the replica.
  void receive_pulls();

  comm::Communicator& world_;
  comm::Communicator& workers_;
  const Layout& layout_;
  const compress::Codec& push_codec_;
  const compress::Codec& pull_codec_;
  const SendScheduler& scheduler_;
  std::vector<Tensor> params_;
  std::vector<Tensor> grads_;  // this step's, per parameter
  std::unique_ptr<TensorEncoder> encoder_;
  std::vector<std::vector<uint8_t>> streams_;
  std::vector<uint64_t> max_pull_bytes_;  // per server: the largest valid pull stream
  std::vector<float> delta_;
  std::optional<MomentumCorrection> momentum_correction_;
  std::shared_ptr<const Attack> attack_;
  bool attacker_ = false;
  int64_t classes_ = 0;
  uint64_t attack_seed_ = 0;
  int64_t step_ = 0;
  std::vector<float> flat_, moments_;
  bool use_udp_ = false;
  std::vector<std::unique_ptr<udp::Sender>> udp_;  // per server
  std::vector<float> udp_push_;
};

}  // namespace tern::distributed::ps
