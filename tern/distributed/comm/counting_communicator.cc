#include "tern/distributed/comm/counting_communicator.h"

namespace tern::distributed::comm {

CountingCommunicator::CountingCommunicator(Communicator& inner, std::shared_ptr<TrafficCounters> counters)
    : inner_(&inner), counters_(std::move(counters)) {
  set_timeout(inner.timeout());
}

CountingCommunicator::CountingCommunicator(std::unique_ptr<Communicator> owned,
                                           std::shared_ptr<TrafficCounters> counters)
    : owned_(std::move(owned)), inner_(owned_.get()), counters_(std::move(counters)) {
  set_timeout(inner_->timeout());
}

RequestPtr CountingCommunicator::isend(std::span<const std::byte> src, int dst_rank, int tag) {
  auto req = inner_->isend(src, dst_rank, tag);
  counters_->bytes_sent += static_cast<int64_t>(src.size());
  ++counters_->messages_sent;
  return req;
}

RequestPtr CountingCommunicator::irecv(std::span<std::byte> dst, int src_rank, int tag) {
  auto req = inner_->irecv(dst, src_rank, tag);
  counters_->bytes_received += static_cast<int64_t>(dst.size());
  return req;
}

std::unique_ptr<Communicator> CountingCommunicator::split(int color, int key) {
  auto sub = inner_->split(color, key);
  if (!sub) return nullptr;
  return std::make_unique<CountingCommunicator>(std::move(sub), counters_);
}

void CountingCommunicator::count_ring_volume(int64_t bytes, double share) {
  const int p = size();
  if (p <= 1) return;
  const auto moved = static_cast<int64_t>(share * static_cast<double>(p - 1) / p * static_cast<double>(bytes));
  counters_->bytes_sent += moved;
  counters_->bytes_received += moved;
}

void CountingCommunicator::native_allreduce(std::span<std::byte> data, ElemType type) {
  inner_->native_allreduce(data, type);
  count_ring_volume(static_cast<int64_t>(data.size()), 2.0);
}

void CountingCommunicator::native_reduce_scatter(std::span<std::byte> data, ElemType type) {
  inner_->native_reduce_scatter(data, type);
  count_ring_volume(static_cast<int64_t>(data.size()), 1.0);
}

void CountingCommunicator::native_all_gather(std::span<std::byte> data, ElemType type) {
  inner_->native_all_gather(data, type);
  count_ring_volume(static_cast<int64_t>(data.size()), 1.0);
}

void CountingCommunicator::native_broadcast(std::span<std::byte> data, int root) {
  inner_->native_broadcast(data, root);
  count_ring_volume(static_cast<int64_t>(data.size()), 1.0);
}

}  // namespace tern::distributed::comm
