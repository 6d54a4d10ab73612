// The order slices leave a link in. P3 (Jayarajan et al., SysML 2019)
// replaces the FIFO send queue by a priority queue: a slice of layer i has
// priority i (the input layer's slices, which the next forward pass needs
// first, go first), and a newly queued high-priority slice overtakes every
// queued lower-priority one. A slice already handed to the network is not
// taken back; credit_link.h keeps that part small.
#pragma once

#include <cstdint>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

namespace tern::distributed::p3 {

enum class SendOrder {
  fifo,      // in the order queued (backward produces the last layer first)
  priority,  // lowest priority value first; equal values in the order queued
};

// "fifo" or "p3"; throws ValueError (one line) otherwise.
SendOrder parse_send_order(std::string_view name);
const char* send_order_name(SendOrder order);

// The parameter-server schedules `tern bench p3` and `tern simulate p3`
// compare: how tensors are cut and in which order their pieces leave.
//   whole - one message per tensor, FIFO (a parameter server without P3)
//   fifo  - P3's slices, FIFO
//   p3    - P3's slices, priority queues on workers and servers
struct Schedule {
  std::string name;
  SendOrder order = SendOrder::fifo;
  bool sliced = true;
};
// Throws ValueError (one line) unless `name` is whole, fifo or p3.
Schedule parse_schedule(const std::string& name);

class SendQueue {
 public:
  explicit SendQueue(SendOrder order) : order_(order) {}

  void push(int item, int priority);
  // The next item to send; the queue must not be empty.
  int pop();
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }

 private:
  struct Entry {
    int key = 0;  // the priority, or 0 for every entry in FIFO order
    uint64_t seq = 0;
    int item = 0;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.key != b.key ? a.key > b.key : a.seq > b.seq;
    }
  };
  SendOrder order_;
  uint64_t next_seq_ = 0;
  std::priority_queue<Entry, std::vector<Entry>, Later> heap_;
};

}  // namespace tern::distributed::p3
