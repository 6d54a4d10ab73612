#include "tern/distributed/ps/messages.h"

namespace tern::distributed::ps {

void post_tensor(comm::Communicator& comm, int dst, const TensorHeader& header, std::span<const uint8_t> payload,
                 std::vector<comm::RequestPtr>& requests) {
  requests.push_back(comm.isend(std::as_bytes(std::span<const TensorHeader>(&header, 1)), dst, kHeaderTag));
  requests.push_back(comm.isend(std::as_bytes(payload), dst, kPayloadTag));
}

ReceivedTensor receive_payload(comm::Communicator& comm, int src, const TensorHeader& header, uint32_t max_tensors,
                               uint64_t max_bytes) {
  TERN_CHECK(header.tensor < max_tensors && header.bytes <= max_bytes, "rank ", src,
             " sent a malformed tensor header (tensor ", header.tensor, ", ", header.bytes,
             " bytes); do all ranks run the same model and codec?");
  ReceivedTensor r;
  r.tensor = header.tensor;
  r.payload.resize(header.bytes);
  comm.recv(std::as_writable_bytes(std::span<uint8_t>(r.payload)), src, kPayloadTag);
  return r;
}

ReceivedTensor receive_tensor(comm::Communicator& comm, int src, uint32_t max_tensors, uint64_t max_bytes) {
  TensorHeader h;
  comm.recv(std::as_writable_bytes(std::span<TensorHeader>(&h, 1)), src, kHeaderTag);
  return receive_payload(comm, src, h, max_tensors, max_bytes);
}

void wait_all(std::vector<comm::RequestPtr>& requests) {
  for (auto& r : requests) r->wait();
  requests.clear();
}

}  // namespace tern::distributed::ps
