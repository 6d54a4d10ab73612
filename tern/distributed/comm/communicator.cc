#include "tern/distributed/comm/communicator.h"

#include <cmath>
#include <cstdlib>
#include <string>

namespace tern::distributed::comm {

std::chrono::milliseconds default_timeout() {
  const char* env = std::getenv("TERN_COMM_TIMEOUT");
  if (env == nullptr || *env == '\0') return std::chrono::seconds(30);
  char* end = nullptr;
  const double seconds = std::strtod(env, &end);
  TERN_CHECK(end != env && *end == '\0' && std::isfinite(seconds) && seconds > 0,
             "TERN_COMM_TIMEOUT must be a positive number of seconds, given '", env, "'");
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000)));
}

Communicator::Communicator() : timeout_(default_timeout()) {}

void Communicator::set_timeout(std::chrono::milliseconds timeout) {
  TERN_CHECK(timeout.count() > 0, "communicator timeout must be positive, given ", timeout.count(), " ms");
  timeout_ = timeout;
}

}  // namespace tern::distributed::comm
