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
  for (auto& [name, p] : model.named_parameters()) {
    TERN_CHECK(p.dtype() == DType::f32 && p.is_contiguous(), "parameter-server training needs contiguous float32 ",
               "parameters; ", name, " is not");
    params_.push_back(p);
  }
  TERN_CHECK(params_.size() == layout_.of_tensor.size(), "the layout covers ", layout_.of_tensor.size(),
             " tensors but the model has ", params_.size());
  std::vector<compress::MatrixShape> shapes;
  for (const Slice& s : layout_.slices) shapes.push_back(s.shape);
  encoder_ = std::make_unique<TensorEncoder>(push_codec_, shapes);
  max_pull_bytes_.assign(layout_.servers, 0);
  for (const Slice& s : layout_.slices) {
    uint64_t& bound = max_pull_bytes_[s.server];
    bound = std::max<uint64_t>(bound, pull_codec_.max_encoded_size(s.numel, s.shape));
  }
  streams_.assign(layout_.slices.size(), {});
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

void WorkerContext::gather_grads() {
  grads_.resize(params_.size());
  for (size_t t = 0; t < params_.size(); ++t) {
    Tensor g = params_[t].grad();
    if (!g.defined()) g = zeros(params_[t].shape());
    grads_[t] = contiguous(cast(g, DType::f32));
  }
}

bool WorkerContext::after_backward(nn::Module& model, int64_t epoch) {
  gather_grads();
  // Byzantine experiments: the whole gradient as one vector, forged by attackers.
  std::vector<int64_t> offset(params_.size(), 0);
  if (attack_) {
    int64_t total = 0;
    for (size_t t = 0; t < params_.size(); ++t) {
      offset[t] = total;
      total += params_[t].numel();
    }
    flat_.resize(total);
    for (size_t t = 0; t < params_.size(); ++t)
      std::copy_n(grads_[t].data<float>(), grads_[t].numel(), flat_.data() + offset[t]);
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
  // A slice's gradient: the forged flat vector in Byzantine runs, else the tensor's.
  auto slice_grad = [&](const Slice& s) {
    const float* base = attack_ ? flat_.data() + offset[s.tensor] : grads_[s.tensor].data<float>();
    return std::span<const float>(base + s.offset, s.numel);
  };
  const uint64_t round = static_cast<uint64_t>(step_++);
  if (use_udp_) {
    push_udp(round, slice_grad);
    receive_pulls();
    return false;
  }
  std::vector<PushItem> items;
  for (int j = 0; j < layout_.num_slices(); ++j) {
    const Slice& s = layout_.slices[j];
    items.push_back({j, s.tensor, s.numel, s.server});
  }
  std::vector<TensorHeader> headers(layout_.slices.size());
  std::vector<comm::RequestPtr> requests;
  for (int i : scheduler_.order(items)) {
    const int j = items[i].slice;
    const Slice& s = layout_.slices[j];
    if (momentum_correction_) {
      momentum_correction_->push(*encoder_, j, slice_grad(s), streams_[j]);
    } else {
      encoder_->encode(j, slice_grad(s), streams_[j]);
    }
    headers[j] = {static_cast<uint32_t>(j), 0, streams_[j].size()};
    post_tensor(world_, layout_.server_rank(s.server), headers[j], streams_[j], requests);
  }
  receive_pulls();
  wait_all(requests);
  return false;  // the servers took the optimiser step
}

void WorkerContext::push_udp(uint64_t round, const std::function<std::span<const float>(const Slice&)>& slice_grad) {
  // Each server's slices, in its order, as one flat push (server.cc's layout).
  for (int s = 0; s < layout_.servers; ++s) {
    udp_push_.clear();
    for (int j : layout_.owned[s]) {
      const std::span<const float> g = slice_grad(layout_.slices[j]);
      udp_push_.insert(udp_push_.end(), g.begin(), g.end());
    }
    udp_[s]->send(static_cast<uint32_t>(world_.rank()), round, udp_push_);
  }
}

void WorkerContext::receive_pulls() {
  const auto n_slices = static_cast<uint32_t>(layout_.slices.size());
  for (int s = 0; s < layout_.servers; ++s)
    for (size_t k = 0; k < layout_.owned[s].size(); ++k) {
      ReceivedTensor r = receive_tensor(world_, layout_.server_rank(s), n_slices, max_pull_bytes_[s]);
      const Slice& slice = layout_.slices[r.tensor];
      TERN_CHECK(slice.server == s, "server ", s, " sent slice ", r.tensor, " it does not own");
      delta_.resize(slice.numel);
      pull_codec_.decode(r.payload, delta_);
      float* w = params_[slice.tensor].data<float>() + slice.offset;
      for (int64_t i = 0; i < slice.numel; ++i) w[i] += delta_[i];
    }
}

std::string WorkerContext::state_path(const std::string& checkpoint) const {
  return worker_codec_state_path(checkpoint, rank());
}

void WorkerContext::save_state(const std::string& checkpoint, int64_t epochs_done) {
  static const std::vector<std::vector<float>> none;
  save_codec_states(state_path(checkpoint), epochs_done, encoder_->states(),
                    momentum_correction_ ? momentum_correction_->velocities() : none);
}

void WorkerContext::restore_state(const std::string& checkpoint, int64_t epochs_done) {
  std::vector<std::vector<float>> scratch(layout_.slices.size());
  std::vector<std::vector<float>>& velocities = momentum_correction_ ? momentum_correction_->velocities() : scratch;
  velocities.resize(layout_.slices.size());
  std::vector<int64_t> numel;
  for (const Slice& s : layout_.slices) numel.push_back(s.numel);
  load_codec_states(state_path(checkpoint), epochs_done, numel, encoder_->states(), velocities);
}

void WorkerContext::end_epoch(nn::Module& model) { ddp::average_buffers(workers_, model); }

void WorkerContext::sum(std::span<double> values) { collectives::allreduce(workers_, values); }

}  // namespace tern::distributed::ps
