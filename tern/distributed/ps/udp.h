// Gradient pushes over UDP, beside MPI (AggregaThor, Damaskinos et al.,
// SysML 2019: in a saturated network, send gradients over a lossy transport
// and let the robust aggregation rule absorb the damage). Pulls stay on MPI.
//
// A worker's push to a server is its flat gradient of the tensors that
// server owns (the server's order), cut into datagrams of at most
// kFloatsPerDatagram float32 values, each with a header naming the worker,
// the round and the offset of its first value (the sequence number). The
// server binds a loopback socket on an ephemeral port per server rank and
// tells the workers the port over MPI before the first round.
//
// Loss: this machine's kernel has no netem qdisc for loopback, so loss is
// emulated at the receiver: each datagram is dropped with probability
// `loss`, decided by a hash of (seed, round, worker, offset) so a run is
// reproducible whatever order datagrams arrive in. Datagrams the kernel
// itself drops, or that arrive after the round's deadline, are lost too; the
// server never waits past the deadline. Coordinates whose datagram was lost
// are reported missing (a mask); datagrams that are malformed, forged
// (wrong magic, length, worker, offset or size) or from another round are
// dropped and counted, never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tern::distributed::ps::udp {

// 2048 floats (8 KB) per datagram: a lost datagram loses a contiguous run of
// that many coordinates; the header is 1% of it; far under loopback's MTU.
inline constexpr int64_t kFloatsPerDatagram = 2048;
inline constexpr uint32_t kMagic = 0x55524e54;  // "TNRU" little-endian

struct DatagramHeader {
  uint32_t magic = kMagic;
  uint32_t worker = 0;
  uint64_t round = 0;
  uint64_t offset = 0;  // index of the first value in the worker's flat push
  uint32_t count = 0;   // values that follow
  uint32_t reserved = 0;
};
static_assert(sizeof(DatagramHeader) == 32);

// The datagrams of one push, in order.
std::vector<std::string> encode_push(uint32_t worker, uint64_t round, std::span<const float> values);

enum class Verdict { ok, malformed, wrong_worker, out_of_range, other_round };

struct Parsed {
  Verdict verdict = Verdict::malformed;
  DatagramHeader header;
  std::vector<float> values;  // copied out (a datagram buffer need not be float-aligned)
};

// Checks a datagram against what the receiver expects: `workers` senders,
// pushes of `numel` values, round `round`.
Parsed parse_datagram(std::span<const uint8_t> bytes, int workers, int64_t numel, uint64_t round);

struct Stats {
  int64_t received = 0;       // datagrams that arrived and were accepted
  int64_t dropped = 0;        // accepted ones dropped by the emulated loss
  int64_t malformed = 0;      // wrong magic, length, worker, offset or count
  int64_t other_round = 0;    // late (an earlier round) or from a future one
  int64_t timed_out = 0;      // expected but not there at the deadline
  int64_t duplicates = 0;     // same (worker, offset) twice in a round
  int64_t missing_values = 0; // coordinates reported missing (dropped or timed out)
  std::string line() const;   // one line for the user
};

// Whether the emulated loss drops the datagram (seed, round, worker, offset).
bool emulated_drop(uint64_t seed, uint64_t round, uint32_t worker, uint64_t offset, double loss);

// A server's socket: bound to 127.0.0.1 on an ephemeral port.
class Receiver {
 public:
  Receiver(int workers, int64_t numel, double loss, uint64_t seed, double deadline_seconds);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  uint16_t port() const { return port_; }

  // Receives round `round`: grads[w] gets worker w's values, present[w][i]
  // whether value i arrived. Returns when every datagram of the round has
  // arrived (or was dropped) or `deadline_seconds` after the call. Returns
  // the values missing this round (0: nothing for fill_missing to do).
  int64_t receive_round(uint64_t round, std::vector<std::vector<float>>& grads, std::vector<std::vector<uint8_t>>& present);
  // Processes one datagram as if it had arrived (the tests' forged input).
  void accept(std::span<const uint8_t> bytes, uint64_t round, std::vector<std::vector<float>>& grads,
              std::vector<std::vector<uint8_t>>& present);
  const Stats& stats() const { return stats_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  int workers_;
  int64_t numel_;
  double loss_;
  uint64_t seed_;
  double deadline_;
  int64_t seen_ = 0;  // datagrams of the current round accounted for (kept or dropped)
  std::vector<std::vector<uint8_t>> seen_chunk_;  // worker -> datagram index -> seen
  Stats stats_;
};

// A worker's socket towards one server.
class Sender {
 public:
  explicit Sender(uint16_t port);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  // Sends the push of round `round` (datagrams the kernel refuses for want
  // of buffer space are retried, not silently lost at the sender).
  void send(uint32_t worker, uint64_t round, std::span<const float> values);

 private:
  int fd_ = -1;
};

// Fills the coordinates no datagram brought: each with the median of the
// workers' values that did arrive for it (a Byzantine minority cannot move
// a median out of the honest range), 0 if none arrived. Values the workers
// did send, NaN or not, are left alone: a NaN an attacker sends stays for
// the rule to handle. Returns the coordinates filled.
int64_t fill_missing(std::vector<std::vector<float>>& grads, const std::vector<std::vector<uint8_t>>& present);

}  // namespace tern::distributed::ps::udp
