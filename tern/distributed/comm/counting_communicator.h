// A Communicator that counts the bytes it moves, wrapped around another one.
// The trainers report per-rank traffic with it; sub-communicators from
// split() add to the same counters. Payload bytes of point-to-point messages
// are exact; the backend's native collectives are counted with the volume a
// ring would move (2(p-1)/p of the buffer for all-reduce), since MPI does not
// say what it sent.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::comm {

struct TrafficCounters {
  std::atomic<int64_t> bytes_sent{0};
  std::atomic<int64_t> bytes_received{0};
  std::atomic<int64_t> messages_sent{0};
};

class CountingCommunicator final : public Communicator {
 public:
  // `inner` must outlive this object unless it is owned (`owned`).
  CountingCommunicator(Communicator& inner, std::shared_ptr<TrafficCounters> counters);
  CountingCommunicator(std::unique_ptr<Communicator> owned, std::shared_ptr<TrafficCounters> counters);

  const TrafficCounters& counters() const { return *counters_; }

  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::string backend() const override { return inner_->backend(); }
  RequestPtr isend(std::span<const std::byte> src, int dst_rank, int tag) override;
  RequestPtr irecv(std::span<std::byte> dst, int src_rank, int tag) override;
  void barrier() override { inner_->barrier(); }
  void poll_liveness(int waiting_for) override { inner_->poll_liveness(waiting_for); }
  PeerTimeout polled_timeout(const std::string& what, int waiting_for, std::chrono::milliseconds waited) override {
    return inner_->polled_timeout(what, waiting_for, waited);
  }
  void set_timeout(std::chrono::milliseconds timeout) override {
    Communicator::set_timeout(timeout);
    inner_->set_timeout(timeout);
  }
  std::unique_ptr<Communicator> split(int color, int key) override;
  void native_allreduce(std::span<std::byte> data, ElemType type) override;
  void native_reduce_scatter(std::span<std::byte> data, ElemType type) override;
  void native_all_gather(std::span<std::byte> data, ElemType type) override;
  void native_broadcast(std::span<std::byte> data, int root) override;

 private:
  void count_ring_volume(int64_t bytes, double share);
  std::unique_ptr<Communicator> owned_;
  Communicator* inner_;
  std::shared_ptr<TrafficCounters> counters_;
};

}  // namespace tern::distributed::comm
