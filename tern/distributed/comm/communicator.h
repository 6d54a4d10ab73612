// Communicator: the point-to-point and group interface every distributed
// module talks to. It is abstract so that a backend (MPI today, NCCL for GPU
// buffers later) can be swapped without changing callers: collectives in
// tern/distributed/collectives are written against this class only.
//
// Contract shared by all backends:
//  - Ranks are 0..size()-1 within this communicator.
//  - Messages between one (sender, receiver, tag) triple arrive in the order
//    they were sent; buffers must stay valid until the Request completes.
//  - Every blocking call and Request::wait() gives up after timeout()
//    (default 30 s, or TERN_COMM_TIMEOUT seconds from the environment) and
//    throws PeerTimeout naming the peer it was waiting for. After a timeout
//    the communicator is in an unknown state: report and end the job.
//  - A communicator is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "tern/base/error.h"

namespace tern::distributed::comm {

// A wait passed its deadline: the peer died, hangs, or never made the
// matching call. peer() is the rank (in the communicator) waited for, or -1
// for group operations (barrier, native collectives) where it is unknown.
// The peer may itself be waiting for another rank; where the backend can
// follow that chain (MPI: comm/mpi_liveness.h), stopped() is the world rank
// that did not answer and the message says how it was found; else -1.
class PeerTimeout : public Error {
 public:
  PeerTimeout(const std::string& message, int peer, int stopped = -1)
      : Error(message), peer_(peer), stopped_(stopped) {}
  int peer() const { return peer_; }
  int stopped() const { return stopped_; }

 private:
  int peer_;
  int stopped_;
};

// Element types the reducing collectives support (sum).
enum class ElemType { f32, f64 };

template <typename T>
constexpr ElemType elem_type_of();
template <>
constexpr ElemType elem_type_of<float>() { return ElemType::f32; }
template <>
constexpr ElemType elem_type_of<double>() { return ElemType::f64; }

// IEEE binary16 bits on the wire (the data-parallel trainer's --codec fp16):
// the ring and halving-doubling collectives add two in float and round the
// sum back to half at every hop (reduce.h); native collectives do not take it.
struct Half {
  uint16_t bits = 0;
};

// One in-flight send or receive.
class Request {
 public:
  virtual ~Request() = default;
  // Blocks until the transfer is complete. Throws PeerTimeout after the
  // owning communicator's timeout. Calling it again after success is a no-op.
  virtual void wait() = 0;
  // True once complete; never blocks.
  virtual bool test() = 0;
};
using RequestPtr = std::unique_ptr<Request>;

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "mpi", later "nccl": for logs and benchmark output.
  virtual std::string backend() const = 0;

  // Non-blocking point-to-point. tag >= 0. The buffer must stay valid and
  // untouched until the returned Request completes.
  virtual RequestPtr isend(std::span<const std::byte> src, int dst_rank, int tag) = 0;
  virtual RequestPtr irecv(std::span<std::byte> dst, int src_rank, int tag) = 0;
  RequestPtr isend(std::span<const float> src, int dst_rank, int tag) {
    return isend(std::as_bytes(src), dst_rank, tag);
  }
  RequestPtr isend(std::span<const double> src, int dst_rank, int tag) {
    return isend(std::as_bytes(src), dst_rank, tag);
  }
  RequestPtr isend(std::span<const Half> src, int dst_rank, int tag) {
    return isend(std::as_bytes(src), dst_rank, tag);
  }
  RequestPtr irecv(std::span<Half> dst, int src_rank, int tag) {
    return irecv(std::as_writable_bytes(dst), src_rank, tag);
  }
  RequestPtr irecv(std::span<float> dst, int src_rank, int tag) {
    return irecv(std::as_writable_bytes(dst), src_rank, tag);
  }
  RequestPtr irecv(std::span<double> dst, int src_rank, int tag) {
    return irecv(std::as_writable_bytes(dst), src_rank, tag);
  }

  // Blocking point-to-point: isend/irecv followed by wait().
  template <typename Buffer>
  void send(Buffer&& src, int dst_rank, int tag) {
    isend(std::forward<Buffer>(src), dst_rank, tag)->wait();
  }
  template <typename Buffer>
  void recv(Buffer&& dst, int src_rank, int tag) {
    irecv(std::forward<Buffer>(dst), src_rank, tag)->wait();
  }

  // Returns when every rank of this communicator has entered the barrier.
  virtual void barrier() = 0;

  // Collective over this communicator: ranks passing the same color form one
  // new communicator, ordered by key (ties by current rank). A negative color
  // takes no part and gets nullptr back. The result inherits the timeout.
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;

  // The backend's own collectives (MPI_Allreduce, later ncclAllReduce), used
  // by Algorithm::native. In place, sum; the block layout of reduce-scatter
  // and all-gather is collectives::block_of (collectives/partition.h).
  virtual void native_allreduce(std::span<std::byte> data, ElemType type) = 0;
  virtual void native_reduce_scatter(std::span<std::byte> data, ElemType type) = 0;
  virtual void native_all_gather(std::span<std::byte> data, ElemType type) = 0;
  virtual void native_broadcast(std::span<std::byte> data, int root) = 0;

  // For a rank that polls with Request::test() rather than waiting (a
  // server serving many workers): says whom it waits for now (a rank of this
  // communicator, or -1 for any of several) and answers peers that, after a
  // timeout, ask so to find the rank that stopped. Default: nothing.
  virtual void poll_liveness(int waiting_for) {}
  // The error for such a rank once it has polled for `waited` without
  // progress while waiting for `waiting_for` (as above): "<what> did not
  // complete within T s: ...", naming the rank that stopped where the
  // backend can find it (MPI: by following the chain of waits,
  // mpi_liveness.h), as a timed-out wait() would.
  virtual PeerTimeout polled_timeout(const std::string& what, int waiting_for, std::chrono::milliseconds waited);

  std::chrono::milliseconds timeout() const { return timeout_; }
  // Wrapping communicators pass it on to the one they wrap.
  virtual void set_timeout(std::chrono::milliseconds timeout);

 protected:
  Communicator();

 private:
  std::chrono::milliseconds timeout_;
};

// 30 s unless TERN_COMM_TIMEOUT (seconds, may be fractional) says otherwise.
std::chrono::milliseconds default_timeout();

}  // namespace tern::distributed::comm
