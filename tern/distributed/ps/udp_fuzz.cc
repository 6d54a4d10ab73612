// libFuzzer target: any bytes arriving at a server's UDP socket are parsed
// and either accepted into the round or dropped and counted; never a crash,
// an out-of-range write or a hang.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "tern/distributed/ps/udp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::distributed::ps::udp;
  static Receiver receiver(3, 5000, 0.1, 7, 0.01);
  static std::vector<std::vector<float>> grads(3, std::vector<float>(5000));
  static std::vector<std::vector<uint8_t>> present(3, std::vector<uint8_t>(5000));
  const Parsed p = parse_datagram(std::span<const uint8_t>(data, size), 3, 5000, 2);
  if (p.verdict == Verdict::ok && (p.header.offset + p.values.size() > 5000 || p.header.worker >= 3)) std::abort();
  receiver.accept(std::span<const uint8_t>(data, size), 2, grads, present);
  return 0;
}
