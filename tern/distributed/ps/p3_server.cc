// The server side of P3's schedule (server.h, ServerConfig::p3_order): per
// slice instead of per round. A worker's push of slice j is decoded into
// its place as it arrives; once every worker's is in, the slice is ready.
// Ready slices are aggregated, stepped (the optimiser updates only the
// tensor whose gradient is set) and their deltas queued on every worker's
// link, highest priority first, pumping the links between slices so a
// newly ready input-layer slice overtakes later layers' queued ones.
//
// Steps cannot overlap here: a worker pushes step s+1 only once every pull
// of step s has reached it (p3_worker.h), so every owned slice of step s is
// done before any of step s+1 is ready, and slice j's buffers are free
// again when its next push arrives.
#include <algorithm>
#include <chrono>

#include "tern/distributed/p3/link/credit_link.h"
#include "tern/distributed/p3/link/idle_backoff.h"
#include "tern/distributed/ps/server.h"
#include "tern/distributed/ps/codec_state_file.h"
#include "tern/distributed/ps/tensor_codec_table.h"

namespace tern::distributed::ps {

void Server::step_slice(int j, int64_t global_step, std::vector<float>& delta) {
  const int64_t epoch = global_step / c_.steps_per_epoch;
  if (epoch != epoch_) c_.set_epoch(*c_.optimizer, epoch_ = epoch);
  const int local = local_[j];
  Tensor& p = c_.params[j];
  const int64_t n = p.numel();
  Tensor grad = Tensor::empty(p.shape(), DType::f32);
  std::vector<std::span<const float>> inputs;
  for (const auto& g : grads_) inputs.emplace_back(g.data() + offset_[local], n);
  if (inputs.size() == 1) {
    std::copy_n(inputs[0].data(), n, grad.data<float>());
  } else {
    c_.aggregator->aggregate(inputs, std::span<float>(grad.data<float>(), n));
  }
  const float* w = p.data<float>();
  delta.assign(w, w + n);
  p.set_grad(grad);
  c_.optimizer->step();  // only this slice has a gradient
  p.zero_grad();
  for (int64_t i = 0; i < n; ++i) delta[i] = w[i] - delta[i];
}

void Server::run_p3(comm::Communicator& world) {
  const Layout& l = *c_.layout;
  const int workers = l.workers;
  const int n = l.num_slices();
  const p3::SendOrder order = *c_.p3_order;
  std::vector<std::vector<std::vector<uint8_t>>> pushes(workers, std::vector<std::vector<uint8_t>>(n));
  std::vector<std::vector<uint8_t>> pulls(n);
  std::vector<int> arrived(n, 0);           // per slice: workers whose push of it is in
  std::vector<std::vector<bool>> pushed(workers, std::vector<bool>(n, false));  // this step's, per worker and slice
  std::vector<int64_t> pushes_in(workers, 0);  // per worker: slices received, all steps
  p3::SendQueue ready(order);
  std::vector<std::unique_ptr<p3::OutLink>> out;
  std::vector<std::unique_ptr<p3::InLink>> in;
  for (int w = 0; w < workers; ++w) {
    out.push_back(std::make_unique<p3::OutLink>(world, w, order, c_.p3_window));
    in.push_back(std::make_unique<p3::InLink>(
        world, w, c_.p3_window, n,
        [&, w](int j, size_t bytes) {
          TERN_CHECK(local_[j] >= 0, "worker ", w, " pushed slice ", j, " to server ", c_.server,
                     ", which does not own it");
          TERN_CHECK(bytes <= max_push_bytes_, "worker ", w, " announced ", bytes, " bytes for slice ", j,
                     "; its codec writes at most ", max_push_bytes_);
          pushes[w][j].resize(bytes);
          return std::as_writable_bytes(std::span<uint8_t>(pushes[w][j]));
        },
        [&, w](int j) {
          // Checked before decoding: a second push would overwrite the first.
          TERN_CHECK(!pushed[w][j], "worker ", w, " pushed slice ", j, " twice in one step");
          pushed[w][j] = true;
          const int local = local_[j];
          c_.push_codec->decode(pushes[w][j],
                                std::span<float>(grads_[w].data() + offset_[local], c_.params[j].numel()));
          ++pushes_in[w];
          // Priority: the slice's tensor's place in the model (input layer first).
          if (++arrived[j] == workers) ready.push(j, l.slices[j].tensor);
        }));
  }
  auto pump = [&] {
    bool any = false;
    for (auto& link : in) any |= link->pump();
    for (auto& link : out) any |= link->pump();
    return any;
  };
  auto all_sent = [&] {
    for (auto& link : out)
      if (!link->idle()) return false;
    return true;
  };
  // Between epochs the workers evaluate and checkpoint while servers wait.
  const auto patience = world.timeout() * kEpochEndSlack;
  auto last_progress = std::chrono::steady_clock::now();
  p3::IdleBackoff backoff;
  auto moved = [&] {
    last_progress = std::chrono::steady_clock::now();
    backoff.progressed();
  };
  // The worker this server waits for: the only one with fewer pushes in
  // than the others, else -1 (all of them, or several).
  auto behind = [&] {
    const auto [lo, hi] = std::minmax_element(pushes_in.begin(), pushes_in.end());
    if (*lo == *hi || std::count(pushes_in.begin(), pushes_in.end(), *lo) > 1) return -1;
    return static_cast<int>(lo - pushes_in.begin());
  };
  auto idle = [&](const char* what) {
    world.poll_liveness(behind());
    if (std::chrono::steady_clock::now() - last_progress > patience)
      throw world.polled_timeout(str_cat("parameter server ", c_.server, ": ", what), behind(), patience);
    backoff.idle();
  };

  std::vector<float> delta;
  size_t done_in_step = 0;
  for (int64_t step = 0; step < c_.steps;) {
    bool progressed = pump();
    if (!ready.empty()) {
      const int j = ready.pop();
      arrived[j] = 0;
      for (auto& by_slice : pushed) by_slice[j] = false;
      step_slice(j, c_.first_step + step, delta);
      pull_encoders_[0]->encode(j, delta, pulls[j]);
      for (auto& link : out) link->enqueue(j, l.slices[j].tensor, std::as_bytes(std::span<const uint8_t>(pulls[j])));
      progressed = true;
      if (++done_in_step == owned_.size()) {
        done_in_step = 0;
        ++step;
        const int64_t done = c_.first_step + step;
        if (done % c_.steps_per_epoch == 0) {
          // Replies first, so the workers are not kept waiting by the checkpoint.
          while (!all_sent())
            if (pump()) moved();
            else idle("the epoch's last replies");
          if (c_.on_epoch_end) c_.on_epoch_end(done / c_.steps_per_epoch);
          if (!c_.save_codec_state.empty())
            save_codec_states(c_.save_codec_state, done / c_.steps_per_epoch, pull_encoders_[0]->states(), {});
        }
      }
    }
    if (progressed) moved();
    else idle("the wait for pushes");
  }
  while (!all_sent())
    if (pump()) moved();
    else idle("the last replies");
}

}  // namespace tern::distributed::ps
