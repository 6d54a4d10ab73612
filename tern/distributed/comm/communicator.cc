#include "tern/base/parse.h"
#include "tern/distributed/comm/communicator.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace tern::distributed::comm {

std::chrono::milliseconds default_timeout() {
  const char* env = std::getenv("TERN_COMM_TIMEOUT");
  if (env == nullptr || *env == '\0') return std::chrono::seconds(30);
  const double seconds = parse_double(env, "TERN_COMM_TIMEOUT (seconds)", {.min = 0, .max = 1e9, .min_exclusive = true});
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

Communicator::Communicator() : timeout_(default_timeout()) {}

PeerTimeout Communicator::polled_timeout(const std::string& what, int waiting_for, std::chrono::milliseconds waited) {
  return PeerTimeout(str_cat(what, " did not complete within ", std::chrono::duration<double>(waited).count(),
                             " s: the peer died, hangs, or never made the matching call"),
                     waiting_for);
}

void Communicator::set_timeout(std::chrono::milliseconds timeout) {
  TERN_CHECK(timeout.count() > 0, "communicator timeout must be positive, given ", timeout.count(), " ms");
  timeout_ = timeout;
}

}  // namespace tern::distributed::comm
