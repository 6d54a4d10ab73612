#include "tern/distributed/ps/p3_worker.h"

#include <chrono>

#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/distributed/p3/link/idle_backoff.h"
#include "tern/distributed/ps/codec_state_file.h"
#include "tern/ops/ops.h"

namespace tern::distributed::ps {
namespace {

using Clock = std::chrono::steady_clock;

// Every module of the tree with its name ("" for the root, then "layer1.0", ...).
void walk(const nn::Module& m, const std::string& name,
          std::vector<std::pair<const nn::Module*, std::string>>& out) {
  out.emplace_back(&m, name);
  for (const auto& [child_name, child] : m.children())
    walk(*child, name.empty() ? child_name : name + "." + child_name, out);
}

}  // namespace

P3WorkerContext::P3WorkerContext(comm::Communicator& world, comm::Communicator& workers, const Layout& layout,
                                 const compress::Codec& push_codec, const compress::Codec& pull_codec,
                                 p3::SendOrder order, int window)
    : world_(world),
      workers_(workers),
      layout_(layout),
      push_codec_(push_codec),
      pull_codec_(pull_codec),
      order_(order),
      window_(window) {
  gate_.self = this;
}

P3WorkerContext::~P3WorkerContext() {
  gate_guard_.reset();
  for (size_t t = 0; t < hooks_.size(); ++t) params_[t].remove_grad_hook(hooks_[t]);
}

void P3WorkerContext::start(nn::Module& model, optim::Optimizer&) {
  ddp::broadcast_state(world_, model);  // servers take part: they start from the same values
  params_.clear();
  param_names_.clear();
  std::unordered_map<const TensorImpl*, int> index;
  for (auto& [name, p] : model.named_parameters()) {
    TERN_CHECK(p.dtype() == DType::f32 && p.is_contiguous(), "parameter-server training needs contiguous float32 ",
               "parameters; ", name, " is not");
    index[p.impl()] = static_cast<int>(params_.size());
    params_.push_back(p);
    param_names_.push_back(name);
  }
  const int tensors = static_cast<int>(params_.size());
  TERN_CHECK(static_cast<size_t>(tensors) == layout_.of_tensor.size(), "the layout covers ", layout_.of_tensor.size(),
             " tensors but the model has ", tensors);
  std::vector<std::pair<const nn::Module*, std::string>> modules;
  walk(model, "", modules);
  for (const auto& [m, name] : modules) {
    module_names_[m] = name;
    for (const auto& [pname, p] : m->own_parameters()) module_tensors_[m].push_back(index.at(p.impl()));
  }

  std::vector<compress::MatrixShape> shapes;
  for (const Slice& s : layout_.slices) shapes.push_back(s.shape);
  encoder_ = std::make_unique<TensorEncoder>(push_codec_, shapes);
  const int n = layout_.num_slices();
  push_streams_.assign(n, {});
  pull_streams_.assign(n, {});
  max_pull_bytes_.clear();
  for (const Slice& s : layout_.slices) max_pull_bytes_.push_back(pull_codec_.max_encoded_size(s.numel, s.shape));
  pushed_.assign(tensors, false);
  gated_.assign(tensors, false);
  outstanding_.assign(tensors, 0);
  outstanding_total_ = 0;
  pull_pending_.assign(n, false);
  out_.clear();
  in_.clear();
  for (int s = 0; s < layout_.servers; ++s) {
    const int peer = layout_.server_rank(s);
    out_.push_back(std::make_unique<p3::OutLink>(world_, peer, order_, window_));
    in_.push_back(std::make_unique<p3::InLink>(
        world_, peer, window_, n,
        [this, s](int j, size_t bytes) {
          TERN_CHECK(layout_.slices[j].server == s, "server ", s, " sent slice ", j, ", which it does not own");
          TERN_CHECK(bytes <= max_pull_bytes_[j], "server ", s, " announced ", bytes, " bytes for slice ", j,
                     "; its codec writes at most ", max_pull_bytes_[j]);
          pull_streams_[j].resize(bytes);
          return std::as_writable_bytes(std::span<uint8_t>(pull_streams_[j]));
        },
        [this](int j) { on_pull(j); }));
  }
  for (size_t t = 0; t < hooks_.size(); ++t) params_[t].remove_grad_hook(hooks_[t]);
  hooks_.clear();
  for (int t = 0; t < tensors; ++t)
    hooks_.push_back(params_[t].register_grad_hook([this, t](const Tensor& g) { push_tensor(t, g); }));
  gate_guard_.emplace(&gate_);
}

void P3WorkerContext::push_tensor(int t, const Tensor& grad) {
  TERN_ASSERT(!pushed_[t], "gradient of ", param_names_[t], " produced twice in one step");
  pushed_[t] = true;
  const Tensor g = contiguous(cast(grad, DType::f32));
  // Counted before the first slice can leave: its reply may come back in the next pump.
  outstanding_[t] = static_cast<int>(layout_.of_tensor[t].size());
  outstanding_total_ += outstanding_[t];
  for (int j : layout_.of_tensor[t]) {
    const Slice& s = layout_.slices[j];
    pull_pending_[j] = true;
    encoder_->encode(j, std::span<const float>(g.data<float>() + s.offset, s.numel), push_streams_[j]);
    // Priority: the tensor's place in the model (the input layer's first).
    out_[s.server]->enqueue(j, t, std::as_bytes(std::span<const uint8_t>(push_streams_[j])));
  }
  pump();
}

void P3WorkerContext::on_pull(int j) {
  const Slice& s = layout_.slices[j];
  TERN_CHECK(pull_pending_[j], "server ", s.server, " sent slice ", j, " twice in one step");
  pull_pending_[j] = false;
  delta_.resize(s.numel);
  pull_codec_.decode(pull_streams_[j], delta_);
  float* w = params_[s.tensor].data<float>() + s.offset;
  for (int64_t i = 0; i < s.numel; ++i) w[i] += delta_[i];
  --outstanding_[s.tensor];
  --outstanding_total_;
}

bool P3WorkerContext::pump() {
  bool any = false;
  for (auto& l : out_) any |= l->pump();
  for (auto& l : in_) any |= l->pump();
  return any;
}

int P3WorkerContext::awaited_server() const {
  for (int j = 0; j < layout_.num_slices(); ++j)
    if (pull_pending_[j]) return layout_.server_rank(layout_.slices[j].server);
  for (int s = 0; s < layout_.servers; ++s)
    if (!out_[s]->idle()) return layout_.server_rank(s);
  return -1;
}

template <typename Done>
void P3WorkerContext::pump_until(Done done, const char* what) {
  auto last = Clock::now();
  p3::IdleBackoff backoff;
  while (!done()) {
    if (pump()) {
      last = Clock::now();
      backoff.progressed();
      continue;
    }
    // Say whom this rank waits for, so a peer's timeout can follow the chain.
    world_.poll_liveness(awaited_server());
    if (Clock::now() - last > world_.timeout())
      throw world_.polled_timeout(str_cat("parameter-server worker ", rank(), ": ", what), awaited_server(),
                                  world_.timeout());
    backoff.idle();
  }
}

void P3WorkerContext::drain() {
  pump_until(
      [this] {
        if (outstanding_total_ > 0) return false;
        for (auto& l : out_)
          if (!l->idle()) return false;
        return true;
      },
      "the wait for the servers' replies");
}

void P3WorkerContext::wait_for_module(const nn::Module& m) {
  const auto it = module_tensors_.find(&m);
  if (it == module_tensors_.end()) return;  // not part of the model (a temporary module)
  bool ready = true;
  for (int t : it->second) {
    gated_[t] = true;
    ready = ready && outstanding_[t] == 0;
  }
  if (ready) return;
  const auto t0 = Clock::now();
  pump_until(
      [&] {
        for (int t : it->second)
          if (outstanding_[t] > 0) return false;
        return true;
      },
      "the wait for a layer's parameters");
  layer_wait_s_[module_names_.at(&m)] += std::chrono::duration<double>(Clock::now() - t0).count();
}

void P3WorkerContext::before_backward(nn::Module&) { drain(); }

bool P3WorkerContext::after_backward(nn::Module&, int64_t) {
  for (int t = 0; t < static_cast<int>(params_.size()); ++t) {
    // A parameter with a gradient took part in forward: outside its module's
    // gate it may have been read before its reply arrived.
    TERN_CHECK(!params_[t].grad().defined() || gated_[t], "--send-schedule p3: parameter ", param_names_[t],
               " was read in forward outside its module's call (a module calling a child's forward() directly?), "
               "so it could miss its update");
    if (!pushed_[t]) push_tensor(t, zeros(params_[t].shape()));  // unused this step
  }
  std::fill(pushed_.begin(), pushed_.end(), false);
  std::fill(gated_.begin(), gated_.end(), false);
  // The slices still queued are the first layers' (backward's last), the
  // ones the next forward needs first: hand them all over before leaving,
  // or they would wait for the next pump, in the first module's gate.
  pump_until(
      [this] {
        for (auto& l : out_)
          if (l->queued() > 0) return false;
        return true;
      },
      "the hand-over of the step's last slices");
  return false;  // the servers take the optimiser step; replies arrive during the next forward
}

void P3WorkerContext::end_epoch(nn::Module& model) {
  drain();
  ddp::average_buffers(workers_, model);
}

void P3WorkerContext::sum(std::span<double> values) { collectives::allreduce(workers_, values); }

std::vector<int64_t> P3WorkerContext::bytes_pushed() const {
  std::vector<int64_t> out;
  for (const auto& l : out_) out.push_back(l->bytes_sent());
  return out;
}

std::vector<int64_t> P3WorkerContext::bytes_pulled() const {
  std::vector<int64_t> out;
  for (const auto& l : in_) out.push_back(l->bytes_received());
  return out;
}

void P3WorkerContext::save_state(const std::string& checkpoint, int64_t epochs_done) {
  save_codec_states(worker_codec_state_path(checkpoint, rank()), epochs_done, encoder_->states(), {});
}

void P3WorkerContext::restore_state(const std::string& checkpoint, int64_t epochs_done) {
  std::vector<std::vector<float>> no_velocities(layout_.slices.size());
  std::vector<int64_t> numel;
  for (const Slice& s : layout_.slices) numel.push_back(s.numel);
  load_codec_states(worker_codec_state_path(checkpoint, rank()), epochs_done, numel,
                    encoder_->states(), no_velocities);
}

}  // namespace tern::distributed::ps
