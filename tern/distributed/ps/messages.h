// The wire format of pushes and pulls: per tensor, a fixed header (tensor
// index, payload bytes) and then the codec's stream, as two messages so the
// receiver can size its buffer.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::ps {

inline constexpr int kHeaderTag = 7101;
inline constexpr int kPayloadTag = 7102;
inline constexpr int kUdpPortTag = 7103;  // a server tells each worker its UDP port (udp.h)

struct TensorHeader {
  uint32_t tensor = 0;
  uint32_t flags = 0;
  uint64_t bytes = 0;
};

// Sends header + payload without waiting; `payload` and `header` must stay
// alive until the returned requests complete.
void post_tensor(comm::Communicator& comm, int dst, const TensorHeader& header, std::span<const uint8_t> payload,
                 std::vector<comm::RequestPtr>& requests);

struct ReceivedTensor {
  uint32_t tensor = 0;
  std::vector<uint8_t> payload;
};

// Receives one header + payload from src. `max_tensors` bounds the index and
// `max_bytes` the payload (a corrupt header is an error, not an allocation).
ReceivedTensor receive_tensor(comm::Communicator& comm, int src, uint32_t max_tensors, uint64_t max_bytes);
// The payload for a header already received.
ReceivedTensor receive_payload(comm::Communicator& comm, int src, const TensorHeader& header, uint32_t max_tensors,
                               uint64_t max_bytes);

void wait_all(std::vector<comm::RequestPtr>& requests);

}  // namespace tern::distributed::ps
