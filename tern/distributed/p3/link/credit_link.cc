#include "tern/distributed/p3/link/credit_link.h"

#include "tern/base/error.h"

namespace tern::distributed::p3 {

namespace {
const int32_t kCredit = 1;  // the credit message's (ignored) content
}

OutLink::OutLink(comm::Communicator& comm, int peer, SendOrder order, int window)
    : comm_(comm), peer_(peer), window_(window), credits_(window), queue_(order) {
  TERN_CHECK(window >= 1, "the send window must be >= 1 slice, got ", window);
  credit_recv_ = comm_.irecv(std::as_writable_bytes(std::span<int32_t>(&credit_in_, 1)), peer_, kCreditTag);
}

void OutLink::enqueue(int slice, int priority, std::span<const std::byte> data) {
  TERN_ASSERT(slice >= 0);
  if (static_cast<size_t>(slice) >= data_.size()) data_.resize(slice + 1);
  data_[slice] = data;
  queue_.push(slice, priority);
}

bool OutLink::pump() {
  bool progressed = false;
  while (credit_recv_->test()) {
    ++credits_;
    TERN_CHECK(credits_ <= window_, "p3: rank ", peer_, " returned more credits than slices it was sent");
    credit_recv_ = comm_.irecv(std::as_writable_bytes(std::span<int32_t>(&credit_in_, 1)), peer_, kCreditTag);
    progressed = true;
  }
  while (credits_ > 0 && !queue_.empty()) {
    const int slice = queue_.pop();
    auto send = std::make_unique<Send>();
    send->header_buffer = {slice, static_cast<int64_t>(data_[slice].size())};
    send->header = comm_.isend(std::as_bytes(std::span<const SliceHeader>(&send->header_buffer, 1)), peer_, kHeaderTag);
    send->data = comm_.isend(data_[slice], peer_, kDataTag);
    bytes_sent_ += static_cast<int64_t>(data_[slice].size());
    sends_.push_back(std::move(send));
    --credits_;
    progressed = true;
    if (on_handoff) on_handoff(slice);
  }
  // Local completion only frees the requests; the credit says it arrived.
  while (!sends_.empty() && sends_.front()->header->test() && sends_.front()->data->test()) sends_.pop_front();
  return progressed;
}

InLink::InLink(comm::Communicator& comm, int peer, int window, int num_slices, Destination destination,
               std::function<void(int)> on_arrival)
    : comm_(comm),
      peer_(peer),
      num_slices_(num_slices),
      destination_(std::move(destination)),
      on_arrival_(std::move(on_arrival)),
      headers_(window),
      header_recvs_(window) {
  TERN_CHECK(window >= 1, "the receive window must be >= 1 slice, got ", window);
  for (size_t i = 0; i < headers_.size(); ++i) post_header(i);
}

void InLink::post_header(size_t i) {
  header_recvs_[i] = comm_.irecv(std::as_writable_bytes(std::span<SliceHeader>(&headers_[i], 1)), peer_, kHeaderTag);
}

bool InLink::pump() {
  bool progressed = false;
  // Headers complete in the order they were posted (one source, one tag).
  while (header_recvs_[next_header_]->test()) {
    const SliceHeader h = headers_[next_header_];
    TERN_CHECK(h.slice >= 0 && h.slice < num_slices_, "p3: rank ", peer_, " sent a header for slice ", h.slice,
               ", expected one of 0..", num_slices_ - 1);
    TERN_CHECK(h.bytes >= 0, "p3: rank ", peer_, " sent a header for slice ", h.slice, " of ", h.bytes, " bytes");
    const int slice = static_cast<int>(h.slice);
    std::span<std::byte> dst = destination_(slice, static_cast<size_t>(h.bytes));
    TERN_ASSERT(dst.size() == static_cast<size_t>(h.bytes));
    data_recvs_.push_back({slice, dst.size(), comm_.irecv(dst, peer_, kDataTag)});
    post_header(next_header_);
    next_header_ = (next_header_ + 1) % headers_.size();
    progressed = true;
  }
  while (!data_recvs_.empty() && data_recvs_.front().recv->test()) {
    const Pending done = std::move(data_recvs_.front());
    data_recvs_.pop_front();
    bytes_received_ += static_cast<int64_t>(done.bytes);
    credit_sends_.push_back(comm_.isend(std::as_bytes(std::span<const int32_t>(&kCredit, 1)), peer_, kCreditTag));
    on_arrival_(done.slice);
    progressed = true;
  }
  while (!credit_sends_.empty() && credit_sends_.front()->test()) credit_sends_.pop_front();
  return progressed;
}

}  // namespace tern::distributed::p3
