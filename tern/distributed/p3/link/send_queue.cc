#include "tern/distributed/p3/link/send_queue.h"

#include "tern/base/error.h"

namespace tern::distributed::p3 {

SendOrder parse_send_order(std::string_view name) {
  if (name == "fifo") return SendOrder::fifo;
  if (name == "p3") return SendOrder::priority;
  TERN_FAIL("unknown send order '", name, "' (expected fifo or p3)");
}

const char* send_order_name(SendOrder order) { return order == SendOrder::fifo ? "fifo" : "p3"; }

Schedule parse_schedule(const std::string& name) {
  if (name == "whole") return {name, SendOrder::fifo, false};
  if (name == "fifo") return {name, SendOrder::fifo, true};
  if (name == "p3") return {name, SendOrder::priority, true};
  TERN_FAIL("unknown schedule '", name, "' (expected whole, fifo or p3)");
}

void SendQueue::push(int item, int priority) {
  heap_.push({order_ == SendOrder::priority ? priority : 0, next_seq_++, item});
}

int SendQueue::pop() {
  TERN_ASSERT(!heap_.empty(), "SendQueue::pop on an empty queue");
  const int item = heap_.top().item;
  heap_.pop();
  return item;
}

}  // namespace tern::distributed::p3
