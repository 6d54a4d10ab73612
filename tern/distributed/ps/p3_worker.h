// A parameter-server worker with P3's schedule (Jayarajan et al., SysML
// 2019): `tern train --dist ps --send-schedule p3`. Where the round worker
// (worker.h) pushes everything after backward and waits for every pull,
// this one
//  - pushes each gradient slice as soon as backward has produced its tensor
//    (a grad hook), through one credit-windowed link per server
//    (p3/link/credit_link.h) whose priority queue lets the input layer's
//    slices overtake the queued ones of later layers;
//  - returns from the step at once: the servers' replies (per-slice model
//    deltas, highest priority first, p3_server.cc) are applied as they
//    arrive, and the next forward pass waits at each module
//    (nn::ForwardGate) only for that module's own slices.
// The time the forward pass stalled at each module is kept (layer_waits()).
//
// Invariant: from before_backward() to the end of after_backward() nothing
// of the previous step is in flight (every pull applied, every push
// credited), so backward reads the weights forward used and push buffers
// may be rewritten. A parameter read in forward outside its module's gate
// would see stale weights: after_backward() fails naming it.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/p3/link/credit_link.h"
#include "tern/distributed/ps/layout.h"
#include "tern/distributed/ps/tensor_codec_table.h"
#include "tern/nn/module.h"
#include "tern/train/trainer.h"

namespace tern::distributed::ps {

class P3WorkerContext final : public train::RunContext {
 public:
  // `world` holds workers and servers; `workers` only the workers (for sums).
  // window: slices in flight per link and direction.
  P3WorkerContext(comm::Communicator& world, comm::Communicator& workers, const Layout& layout,
                  const compress::Codec& push_codec, const compress::Codec& pull_codec, p3::SendOrder order,
                  int window);
  ~P3WorkerContext() override;

  int rank() const override { return workers_.rank(); }
  int world() const override { return workers_.size(); }
  bool is_leader() const override { return workers_.rank() == 0; }
  void start(nn::Module& model, optim::Optimizer& optimizer) override;
  void before_backward(nn::Module& model) override;
  bool after_backward(nn::Module& model, int64_t epoch) override;
  void end_epoch(nn::Module& model) override;
  void sum(std::span<double> values) override;
  void save_state(const std::string& checkpoint, int64_t epochs_done) override;
  void restore_state(const std::string& checkpoint, int64_t epochs_done) override;

  // Seconds the forward passes stalled at each module (by its name in the
  // model, "" for the root), over the whole run; modules that never waited
  // are left out.
  const std::map<std::string, double>& layer_waits() const { return layer_wait_s_; }
  // Payload bytes pushed to / pulled from each server.
  std::vector<int64_t> bytes_pushed() const;
  std::vector<int64_t> bytes_pulled() const;

 private:
  struct Gate final : nn::ForwardGate {
    P3WorkerContext* self = nullptr;
    void before_forward(const nn::Module& m) override { self->wait_for_module(m); }
  };
  void wait_for_module(const nn::Module& m);
  void push_tensor(int t, const Tensor& grad);
  void on_pull(int slice);
  bool pump();
  // Pumps until done() (no progress for the communicator's timeout fails
  // naming `what`).
  template <typename Done>
  void pump_until(Done done, const char* what);
  void drain();
  // The world rank of a server this worker waits for (-1: none).
  int awaited_server() const;

  comm::Communicator& world_;
  comm::Communicator& workers_;
  const Layout& layout_;
  const compress::Codec& push_codec_;
  const compress::Codec& pull_codec_;
  p3::SendOrder order_;
  int window_;
  std::vector<Tensor> params_;
  std::vector<uint64_t> hooks_;  // per parameter: its grad hook's handle
  std::unique_ptr<TensorEncoder> encoder_;
  std::vector<std::vector<uint8_t>> push_streams_, pull_streams_;  // per slice
  std::vector<uint64_t> max_pull_bytes_;                           // per slice
  std::vector<std::unique_ptr<p3::OutLink>> out_;                  // per server: pushes
  std::vector<std::unique_ptr<p3::InLink>> in_;                    // per server: pulls
  std::vector<bool> pushed_;                                       // per tensor, this step
  std::vector<int> outstanding_;  // per tensor: slices whose pull has not arrived
  int outstanding_total_ = 0;
  std::vector<bool> pull_pending_;  // per slice: pushed this step, reply not yet in
  std::vector<bool> gated_;       // per tensor: its module's gate was passed this step
  std::unordered_map<const nn::Module*, std::vector<int>> module_tensors_;
  std::unordered_map<const nn::Module*, std::string> module_names_;
  std::vector<std::string> param_names_;
  std::map<std::string, double> layer_wait_s_;
  std::vector<float> delta_;
  Gate gate_;
  std::optional<nn::ScopedForwardGate> gate_guard_;
};

}  // namespace tern::distributed::ps
