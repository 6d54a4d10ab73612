// How a rank that polls its links (credit_link.h) idles between polls that
// moved nothing: it yields for the first few (the lowest latency when the
// next message is near), then sleeps briefly, leaving the core to ranks
// that compute. On this project's 2-core machine 6 ranks share 2 cores, and
// a server spinning through a worker's backward pass slows that worker.
#pragma once

#include <chrono>
#include <thread>

namespace tern::distributed::p3 {

class IdleBackoff {
 public:
  static constexpr int kSpins = 64;
  static constexpr auto kSleep = std::chrono::microseconds(20);

  void progressed() { idle_polls_ = 0; }
  void idle() {
    if (++idle_polls_ <= kSpins) std::this_thread::yield();
    else std::this_thread::sleep_for(kSleep);
  }

 private:
  int idle_polls_ = 0;
};

}  // namespace tern::distributed::p3
