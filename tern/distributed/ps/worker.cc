#include "tern/distributed/ps/worker.h"

#include <algorithm>

#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/distributed/ps/codec_state_file.h"
#include "tern/distributed/ps/messages.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ps {

WorkerContext::WorkerContext(comm::Communicator& world, comm::Communicator& workers, const Layout& layout,
                             const compress::Codec& push_codec, const compress::Codec& pull_codec,
                             const SendScheduler& scheduler)
    : world_(world), workers_(workers), layout_(layout), push_codec_(push_codec), pull_codec_(pull_codec),
      scheduler_(scheduler) {}

void WorkerContext::start(nn::Module& model, optim::Optimizer& optimizer) {
  ddp::broadcast_state(world_, model);  // servers take part: they start from the same values
  params_.clear();
  std::vector<compress::MatrixShape> shapes;
  for (auto& [name, p] : model.named_parameters()) {
    TERN_CHECK(p.dtype() == DType::f32 && p.is_contiguous(), "parameter-server training needs contiguous float32 ",
               "parameters; ", name, " is not");
    params_.push_back(p);
    shapes.push_back(matrix_shape_of(p));
  }
  TERN_CHECK(params_.size() == layout_.owner.size(), "the layout covers ", layout_.owner.size(),
             " tensors but the model has ", params_.size());
  encoder_ = std::make_unique<TensorEncoder>(push_codec_, shapes);
  max_pull_bytes_.assign(layout_.servers, 0);
  for (size_t t = 0; t < params_.size(); ++t) {
    uint64_t& bound = max_pull_bytes_[layout_.owner[t]];
    bound = std::max<uint64_t>(bound, pull_codec_.max_encoded_size(params_[t].numel(), shapes[t]));
  }
  streams_.assign(params_.size(), {});
  udp_.clear();
  if (use_udp_)
    for (int s = 0; s < layout_.servers; ++s) {
      uint32_t port = 0;
      world_.recv(std::as_writable_bytes(std::span<uint32_t>(&port, 1)), layout_.server_rank(s), kUdpPortTag);
      TERN_CHECK(port > 0 && port < 65536, "server ", s, " sent UDP port ", port);
      udp_.push_back(std::make_unique<udp::Sender>(static_cast<uint16_t>(port)));
    }
}

void WorkerContext::before_forward(Tensor& inputs, Tensor& labels) {
  if (!attacker_ || !attack_ || !attack_->flips_labels()) return;
  Tensor flipped = clone(labels);
  int64_t* y = flipped.data<int64_t>();
  for (int64_t i = 0; i < flipped.numel(); ++i) y[i] = classes_ - 1 - y[i];
  labels = flipped;
}

bool WorkerContext::after_backward(nn::Module& model, int64_t epoch) {
  // Byzantine experiments: the whole gradient as one vector, forged by attackers.
  std::vector<int64_t> offset(params_.size(), 0);
  if (attack_) {
    int64_t total = 0;
    for (size_t t = 0; t < params_.size(); ++t) {
      offset[t] = total;
      total += params_[t].numel();
    }
    flat_.resize(total);
    for (size_t t = 0; t < params_.size(); ++t) {
      Tensor g = params_[t].grad();
      if (!g.defined()) g = zeros(params_[t].shape());
      g = contiguous(cast(g, DType::f32));
      std::copy_n(g.data<float>(), g.numel(), flat_.data() + offset[t]);
    }
    std::span<const float> mean, sq_mean;
    if (attack_->omniscient()) {
      moments_.resize(2 * total);
      for (int64_t k = 0; k < total; ++k) {
        moments_[k] = flat_[k];
        moments_[total + k] = flat_[k] * flat_[k];
      }
      collectives::allreduce(workers_, std::span<float>(moments_));
      const float inv = 1.0f / static_cast<float>(workers_.size());
      for (float& v : moments_) v *= inv;
      mean = std::span<const float>(moments_.data(), total);
      sq_mean = std::span<const float>(moments_.data() + total, total);
    }
    if (attacker_) attack_->forge(flat_, mean, sq_mean, attack_seed_ * 1000003 + static_cast<uint64_t>(step_));
  }
  const uint64_t round = static_cast<uint64_t>(step_++);
  if (use_udp_) {
    push_udp(round, attack_ ? std::span<const float>(flat_) : std::span<const float>(), offset);
    receive_pulls();
    return false;
  }
  std::vector<PushItem> items;
  for (size_t t = 0; t < params_.size(); ++t)
    items.push_back({static_cast<int>(t), params_[t].numel(), layout_.owner[t]});
  std::vector<TensorHeader> headers(params_.size());
  std::vector<comm::RequestPtr> requests;
  for (int i : scheduler_.order(items)) {
    const int t = items[i].tensor;
    Tensor g;
    std::span<const float> gs;
    if (attack_) {
      gs = std::span<const float>(flat_.data() + offset[t], params_[t].numel());
    } else {
      g = params_[t].grad();
      if (!g.defined()) g = zeros(params_[t].shape());
      g = contiguous(cast(g, DType::f32));
      gs = std::span<const float>(g.data<float>(), g.numel());
    }
    if (momentum_correction_) {
      momentum_correction_->push(*encoder_, t, gs, streams_[t]);
    } else {
      encoder_->encode(t, gs, streams_[t]);
    }
    headers[t] = {static_cast<uint32_t>(t), 0, streams_[t].size()};
    post_tensor(world_, layout_.server_rank(items[i].server), headers[t], streams_[t], requests);
  }
  receive_pulls();
  wait_all(requests);
  return false;  // the servers took the optimiser step
}

void WorkerContext::push_udp(uint64_t round, std::span<const float> forged, const std::vector<int64_t>& offset) {
  // Each server's tensors, in its order, as one flat push (server.cc's layout).
  for (int s = 0; s < layout_.servers; ++s) {
    udp_push_.clear();
    for (int t : layout_.tensors[s]) {
      if (!forged.empty()) {
        udp_push_.insert(udp_push_.end(), forged.begin() + offset[t], forged.begin() + offset[t] + params_[t].numel());
        continue;
      }
      Tensor g = params_[t].grad();
      if (!g.defined()) g = zeros(params_[t].shape());
      g = contiguous(cast(g, DType::f32));
      udp_push_.insert(udp_push_.end(), g.data<float>(), g.data<float>() + g.numel());
    }
    udp_[s]->send(static_cast<uint32_t>(world_.rank()), round, udp_push_);
  }
}

void WorkerContext::receive_pulls() {
  const auto n_tensors = static_cast<uint32_t>(params_.size());
  for (int s = 0; s < layout_.servers; ++s)
    for (size_t j = 0; j < layout_.tensors[s].size(); ++j) {
      ReceivedTensor r = receive_tensor(world_, layout_.server_rank(s), n_tensors, max_pull_bytes_[s]);
      TERN_CHECK(layout_.owner[r.tensor] == s, "server ", s, " sent tensor ", r.tensor, " it does not own");
      Tensor& p = params_[r.tensor];
      delta_.resize(p.numel());
      pull_codec_.decode(r.payload, delta_);
      float* w = p.data<float>();
      for (int64_t i = 0; i < p.numel(); ++i) w[i] += delta_[i];
    }
}

std::string WorkerContext::state_path(const std::string& checkpoint) const {
  return checkpoint + ".worker" + std::to_string(rank()) + ".codec";
}

void WorkerContext::save_state(const std::string& checkpoint, int64_t epochs_done) {
  static const std::vector<std::vector<float>> none;
  save_codec_states(state_path(checkpoint), epochs_done, encoder_->states(),
                    momentum_correction_ ? momentum_correction_->velocities() : none);
}

void WorkerContext::restore_state(const std::string& checkpoint, int64_t epochs_done) {
  std::vector<std::vector<float>> scratch(params_.size());
  std::vector<std::vector<float>>& velocities = momentum_correction_ ? momentum_correction_->velocities() : scratch;
  velocities.resize(params_.size());
  std::vector<int64_t> numel;
  for (const Tensor& p : params_) numel.push_back(p.numel());
  load_codec_states(state_path(checkpoint), epochs_done, numel, encoder_->states(), velocities);
}

void WorkerContext::end_epoch(nn::Module& model) { ddp::average_buffers(workers_, model); }

void WorkerContext::sum(std::span<double> values) { collectives::allreduce(workers_, values); }

}  // namespace tern::distributed::ps
