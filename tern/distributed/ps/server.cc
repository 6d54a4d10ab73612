#include "tern/distributed/ps/server.h"

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <thread>

#include "tern/distributed/ps/codec_state_file.h"
#include "tern/distributed/ps/messages.h"
#include "tern/distributed/ps/tensor_codec_table.h"

namespace tern::distributed::ps {
namespace {

uint64_t max_stream_bytes(const compress::Codec& codec, const Slice& s) {
  return static_cast<uint64_t>(codec.max_encoded_size(s.numel, s.shape));
}

}  // namespace

ServerTensors server_tensors(const Layout& layout, int server, const nn::NamedTensors& params) {
  ServerTensors out;
  out.by_slice.resize(layout.slices.size());
  for (int j : layout.owned[server]) {
    const Slice& s = layout.slices[j];
    const auto& [name, p] = params[s.tensor];
    if (s.whole_tensor) {
      out.by_slice[j] = p;
      out.owned.push_back({name, p});
      continue;
    }
    Tensor t = Tensor::empty(s.shape.rows > 0 ? Shape{s.shape.rows, s.shape.cols} : Shape{s.numel}, DType::f32);
    std::copy_n(p.data<float>() + s.offset, s.numel, t.data<float>());
    out.by_slice[j] = t;
    out.owned.push_back({str_cat(name, "[", s.offset, ":", s.offset + s.numel, "]"), t});
  }
  return out;
}

Server::Server(ServerConfig config) : c_(std::move(config)) {
  TERN_CHECK(c_.layout && c_.optimizer && c_.push_codec && c_.pull_codec && c_.aggregator,
             "server configuration is incomplete");
  const Layout& l = *c_.layout;
  TERN_CHECK(c_.params.size() == l.slices.size(), "server configuration: ", c_.params.size(), " tensors for ",
             l.slices.size(), " slices");
  owned_ = l.owned[c_.server];
  local_.assign(l.slices.size(), -1);
  for (size_t i = 0; i < owned_.size(); ++i) local_[owned_[i]] = static_cast<int>(i);
  for (int j : owned_) {
    TERN_CHECK(c_.params[j].defined() && c_.params[j].numel() == l.slices[j].numel,
               "server configuration: slice ", j, " has no tensor of its size");
    max_push_bytes_ = std::max(max_push_bytes_, max_stream_bytes(*c_.push_codec, l.slices[j]));
  }
  const int workers = c_.layout->workers;
  for (int t : owned_) {
    offset_.push_back(owned_numel_);
    owned_numel_ += c_.params[t].numel();
  }
  grads_.assign(workers, std::vector<float>(owned_numel_));
  aggregated_.resize(owned_numel_);
  std::vector<compress::MatrixShape> shapes;
  for (const Slice& sl : l.slices) shapes.push_back(sl.shape);
  const int encoders = c_.async ? workers : 1;
  for (int e = 0; e < encoders; ++e) {
    pull_encoders_.push_back(std::make_unique<TensorEncoder>(*c_.pull_codec, shapes));
    pending_.emplace_back();
    for (int t : owned_) pending_.back().emplace_back(c_.params[t].numel(), 0.0f);
  }
}

void Server::run(comm::Communicator& world) {
  TERN_CHECK(!c_.async || (c_.save_codec_state.empty() && c_.resume_codec_state.empty()),
             "the asynchronous server keeps no codec state across runs");
  if (!c_.resume_codec_state.empty()) {
    std::vector<std::vector<float>> no_velocities(c_.params.size());
    std::vector<int64_t> numel;
    for (const Slice& sl : c_.layout->slices) numel.push_back(sl.numel);
    load_codec_states(c_.resume_codec_state, c_.first_step / c_.steps_per_epoch, numel, pull_encoders_[0]->states(),
                      no_velocities);
  }
  if (c_.udp) {
    TERN_CHECK(!c_.async, "the UDP transport needs synchronous rounds");
    udp_ = std::make_unique<udp::Receiver>(c_.layout->workers, owned_numel_, c_.udp_loss, c_.udp_seed,
                                           c_.udp_deadline_seconds);
    const uint32_t port = udp_->port();
    for (int w = 0; w < c_.layout->workers; ++w)
      world.send(std::as_bytes(std::span<const uint32_t>(&port, 1)), w, kUdpPortTag);
  }
  if (c_.p3_order) {
    TERN_CHECK(!c_.async && !c_.udp, "P3's schedule needs synchronous rounds over MPI");
    run_p3(world);
  } else if (c_.async) {
    run_async(world);
  } else {
    run_sync(world);
  }
  if (udp_) std::fprintf(stderr, "server %d: %s\n", c_.server, udp_->stats().line().c_str());
}

void Server::receive_udp_round(uint64_t round) {
  // A loss-free round (the common case) skips the per-coordinate scan.
  if (udp_->receive_round(round, grads_, present_) > 0) udp::fill_missing(grads_, present_);
}

void Server::receive_push(comm::Communicator& world, int w, const TensorHeader* first) {
  const auto n_tensors = static_cast<uint32_t>(c_.params.size());
  for (size_t j = 0; j < owned_.size(); ++j) {
    ReceivedTensor r = j == 0 && first ? receive_payload(world, w, *first, n_tensors, max_push_bytes_)
                                       : receive_tensor(world, w, n_tensors, max_push_bytes_);
    const int local = local_[r.tensor];
    TERN_CHECK(local >= 0, "worker ", w, " pushed tensor ", r.tensor, " to a server that does not own it");
    c_.push_codec->decode(r.payload, std::span<float>(grads_[w].data() + offset_[local], c_.params[r.tensor].numel()));
  }
}

void Server::apply(const std::vector<std::vector<float>*>& grads_per_worker, int64_t global_step) {
  const int64_t epoch = global_step / c_.steps_per_epoch;
  if (epoch != epoch_) c_.set_epoch(*c_.optimizer, epoch_ = epoch);
  std::vector<std::vector<float>> before;
  const float* combined = grads_per_worker[0]->data();
  if (grads_per_worker.size() > 1) {
    std::vector<std::span<const float>> inputs;
    for (auto* g : grads_per_worker) inputs.emplace_back(*g);
    c_.aggregator->aggregate(inputs, aggregated_);
    combined = aggregated_.data();
  }
  for (size_t j = 0; j < owned_.size(); ++j) {
    Tensor& p = c_.params[owned_[j]];
    Tensor grad = Tensor::empty(p.shape(), DType::f32);
    std::copy_n(combined + offset_[j], p.numel(), grad.data<float>());
    p.set_grad(grad);
    before.emplace_back(p.data<float>(), p.data<float>() + p.numel());
  }
  c_.optimizer->step();
  for (size_t j = 0; j < owned_.size(); ++j) {
    const float* now = c_.params[owned_[j]].data<float>();
    for (auto& acc : pending_)
      for (size_t i = 0; i < before[j].size(); ++i) acc[j][i] += now[i] - before[j][i];
  }
}

void Server::send_pull(comm::Communicator& world, int w, int encoder) {
  std::vector<std::vector<uint8_t>> streams(owned_.size());
  std::vector<TensorHeader> headers(owned_.size());
  std::vector<comm::RequestPtr> requests;
  for (size_t j = 0; j < owned_.size(); ++j) {
    pull_encoders_[encoder]->encode(owned_[j], pending_[encoder][j], streams[j]);
    std::fill(pending_[encoder][j].begin(), pending_[encoder][j].end(), 0.0f);
    headers[j] = {static_cast<uint32_t>(owned_[j]), 0, streams[j].size()};
  }
  const int first = w < 0 ? 0 : w, last = w < 0 ? c_.layout->workers : w + 1;
  for (int dst = first; dst < last; ++dst)
    for (size_t j = 0; j < owned_.size(); ++j) post_tensor(world, dst, headers[j], streams[j], requests);
  wait_all(requests);
}

void Server::run_sync(comm::Communicator& world) {
  const int workers = c_.layout->workers;
  std::vector<std::vector<float>*> all(workers);
  const auto timeout = world.timeout();
  for (int64_t step = 0; step < c_.steps; ++step) {
    // Between epochs the workers evaluate and checkpoint while servers wait.
    const bool after_epoch = step > 0 && (c_.first_step + step) % c_.steps_per_epoch == 0;
    if (after_epoch) world.set_timeout(timeout * kEpochEndSlack);
    if (udp_) receive_udp_round(static_cast<uint64_t>(step));
    for (int w = 0; w < workers; ++w) {
      if (!udp_) receive_push(world, w, nullptr);
      all[w] = &grads_[w];
    }
    if (after_epoch) world.set_timeout(timeout);
    apply(all, c_.first_step + step);
    send_pull(world, /*all workers*/ -1, 0);
    const int64_t done = c_.first_step + step + 1;
    if (done % c_.steps_per_epoch != 0) continue;
    if (c_.on_epoch_end) c_.on_epoch_end(done / c_.steps_per_epoch);
    if (!c_.save_codec_state.empty())
      save_codec_states(c_.save_codec_state, done / c_.steps_per_epoch, pull_encoders_[0]->states(), {});
  }
}

void Server::run_async(comm::Communicator& world) {
  const int workers = c_.layout->workers;
  std::vector<int64_t> clock(workers, 0);
  std::vector<bool> waiting(workers, false);  // pushed, pull not yet sent
  std::vector<TensorHeader> headers(workers);
  std::vector<comm::RequestPtr> header_reqs(workers);
  auto post_header = [&](int w) {
    header_reqs[w] = world.irecv(std::as_writable_bytes(std::span<TensorHeader>(&headers[w], 1)), w, kHeaderTag);
  };
  for (int w = 0; w < workers; ++w)
    if (c_.steps > 0) post_header(w);
  auto last_progress = std::chrono::steady_clock::now();
  auto done = [&] {
    for (int w = 0; w < workers; ++w)
      if (clock[w] < c_.steps || waiting[w]) return false;
    return true;
  };
  while (!done()) {
    bool progressed = false;
    for (int w = 0; w < workers; ++w) {
      if (!header_reqs[w] || !header_reqs[w]->test()) continue;
      header_reqs[w].reset();
      receive_push(world, w, &headers[w]);
      std::vector<std::vector<float>*> one{&grads_[w]};
      for (float& v : grads_[w]) v /= static_cast<float>(workers);
      apply(one, c_.first_step + clock[w]);
      ++clock[w];
      waiting[w] = true;
      if (clock[w] < c_.steps) post_header(w);
      progressed = true;
    }
    const int64_t slowest = *std::min_element(clock.begin(), clock.end());
    for (int w = 0; w < workers; ++w)
      if (waiting[w] && clock[w] - slowest <= c_.staleness) {
        send_pull(world, w, w);
        waiting[w] = false;
        progressed = true;
      }
    const auto now = std::chrono::steady_clock::now();
    if (progressed) {
      last_progress = now;
    } else if (now - last_progress > kEpochEndSlack * world.timeout()) {  // workers may be evaluating
      const int behind = static_cast<int>(std::min_element(clock.begin(), clock.end()) - clock.begin());
      throw comm::PeerTimeout(str_cat("parameter server: no push from any worker for ",
                                std::chrono::duration<double>(now - last_progress).count(), " s (worker ", behind,
                                " is at step ", clock[behind], " of ", c_.steps, ")"),
                        behind);
    } else {
      // A worker whose pull is held back by the staleness bound waits, through
      // this server, for the slowest worker: say so to liveness probes.
      bool holding_a_pull = false;
      for (int w = 0; w < workers; ++w) holding_a_pull = holding_a_pull || waiting[w];
      world.poll_liveness(holding_a_pull ? static_cast<int>(std::min_element(clock.begin(), clock.end()) - clock.begin())
                                         : -1);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

}  // namespace tern::distributed::ps
