// One direction of one link, with at most `window` slices in flight: the
// sender holds a credit per slice it may hand to the network and the
// receiver returns one when a slice has arrived. Everything else waits in
// the sender's SendQueue, where a new high-priority slice can still
// overtake it (P3's preemption, at slice granularity).
//
// Why credits and not "sends completed": a send completes once the data is
// in MPI's or the kernel's buffers (megabytes of them on TCP), and the link
// emulation of comm/link_emulation.h delays a message at the receiver, so a
// sender counting completed sends would hand nearly every slice over at
// once and nothing could overtake anything. Only the receiver knows when a
// slice is through.
//
// Wire: per slice a 16-byte header (SliceHeader: the slice id and its byte
// count, so encoded slices may vary in size) on kHeaderTag, then the data
// on kDataTag; per arrival a 4-byte credit back on kCreditTag. Headers
// and data are matched in order (MPI does not reorder messages of one
// source and tag), so the receiver posts the data receive straight into the
// slice's destination once its header is in: no staging copies.
//
// Both ends are polled (pump()): no threads, so a rank can "compute" by
// sleeping between pumps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/p3/link/send_queue.h"

namespace tern::distributed::p3 {

inline constexpr int kHeaderTag = 7301;
inline constexpr int kDataTag = 7302;
inline constexpr int kCreditTag = 7303;

struct SliceHeader {
  int64_t slice = 0;
  int64_t bytes = 0;
};

class OutLink {
 public:
  OutLink(comm::Communicator& comm, int peer, SendOrder order, int window);
  OutLink(const OutLink&) = delete;
  OutLink& operator=(const OutLink&) = delete;

  // Queues slice `slice` (its bytes stay valid and untouched until it has
  // arrived) with P3 priority `priority` (smaller goes first).
  void enqueue(int slice, int priority, std::span<const std::byte> data);
  // Collects returned credits and hands queued slices to the network while
  // credits last. True if anything happened.
  bool pump();
  // Nothing queued and every slice handed over has been credited back.
  bool idle() const { return queue_.empty() && credits_ == window_; }
  // Slices queued, not yet handed to the network.
  size_t queued() const { return queue_.size(); }

  int64_t bytes_sent() const { return bytes_sent_; }
  // Called with the slice id when a slice is handed to the network (tests
  // and the bench's timeline use it).
  std::function<void(int slice)> on_handoff;

 private:
  comm::Communicator& comm_;
  int peer_, window_, credits_;
  SendQueue queue_;
  std::vector<std::span<const std::byte>> data_;  // by slice id, while queued
  struct Send {
    SliceHeader header_buffer;
    comm::RequestPtr header, data;
  };
  std::deque<std::unique_ptr<Send>> sends_;  // handed over, not yet completed locally
  int32_t credit_in_ = 0;
  comm::RequestPtr credit_recv_;
  int64_t bytes_sent_ = 0;
};

class InLink {
 public:
  // Slice ids are 0..num_slices-1 (a header naming another one, or a
  // negative size, is refused with ValueError); destination(slice, bytes):
  // where the slice's `bytes` bytes go (a span of exactly that size; it
  // throws ValueError for a size the slice cannot have); on_arrival(slice):
  // called once they are there.
  using Destination = std::function<std::span<std::byte>(int slice, size_t bytes)>;
  InLink(comm::Communicator& comm, int peer, int window, int num_slices, Destination destination,
         std::function<void(int)> on_arrival);
  InLink(const InLink&) = delete;
  InLink& operator=(const InLink&) = delete;

  bool pump();
  int64_t bytes_received() const { return bytes_received_; }

 private:
  void post_header(size_t i);
  comm::Communicator& comm_;
  int peer_, num_slices_;
  Destination destination_;
  std::function<void(int)> on_arrival_;
  std::vector<SliceHeader> headers_;      // one buffer per credit, posted in ring order
  std::vector<comm::RequestPtr> header_recvs_;
  size_t next_header_ = 0;                // the oldest posted header
  struct Pending {
    int slice;
    size_t bytes;
    comm::RequestPtr recv;
  };
  std::deque<Pending> data_recvs_;  // in header order
  std::deque<comm::RequestPtr> credit_sends_;
  int64_t bytes_received_ = 0;
};

}  // namespace tern::distributed::p3
