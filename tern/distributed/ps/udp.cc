#include "tern/distributed/ps/udp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "tern/base/error.h"

namespace tern::distributed::ps::udp {

namespace {

uint64_t mix(uint64_t x) {  // splitmix64's finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

int64_t chunks_of(int64_t numel) { return (numel + kFloatsPerDatagram - 1) / kFloatsPerDatagram; }

[[noreturn]] void sys_fail(const std::string& what) { throw IOError(str_cat("udp: ", what, ": ", std::strerror(errno))); }

}  // namespace

std::vector<std::string> encode_push(uint32_t worker, uint64_t round, std::span<const float> values) {
  std::vector<std::string> out;
  for (size_t at = 0; at < values.size(); at += kFloatsPerDatagram) {
    const size_t n = std::min<size_t>(kFloatsPerDatagram, values.size() - at);
    DatagramHeader h{kMagic, worker, round, at, static_cast<uint32_t>(n), 0};
    std::string d(sizeof h + n * sizeof(float), '\0');
    std::memcpy(d.data(), &h, sizeof h);
    if (n) std::memcpy(d.data() + sizeof h, values.data() + at, n * sizeof(float));
    out.push_back(std::move(d));
  }
  return out;
}

Parsed parse_datagram(std::span<const uint8_t> bytes, int workers, int64_t numel, uint64_t round) {
  Parsed p;
  if (bytes.size() < sizeof(DatagramHeader)) return p;
  std::memcpy(&p.header, bytes.data(), sizeof p.header);
  const DatagramHeader& h = p.header;
  if (h.magic != kMagic || h.reserved != 0 || h.count > kFloatsPerDatagram ||
      bytes.size() != sizeof h + static_cast<size_t>(h.count) * sizeof(float))
    return p;
  if (h.worker >= static_cast<uint32_t>(workers)) {
    p.verdict = Verdict::wrong_worker;
    return p;
  }
  // A push is cut at multiples of kFloatsPerDatagram: anything else is forged.
  const uint64_t n = static_cast<uint64_t>(numel);
  if (h.offset % kFloatsPerDatagram != 0 || h.offset >= n || h.count != std::min<uint64_t>(kFloatsPerDatagram, n - h.offset)) {
    p.verdict = Verdict::out_of_range;
    return p;
  }
  if (h.round != round) {
    p.verdict = Verdict::other_round;
    return p;
  }
  p.values.resize(h.count);
  std::memcpy(p.values.data(), bytes.data() + sizeof h, h.count * sizeof(float));
  p.verdict = Verdict::ok;
  return p;
}

bool emulated_drop(uint64_t seed, uint64_t round, uint32_t worker, uint64_t offset, double loss) {
  if (loss <= 0) return false;
  const uint64_t h = mix(mix(mix(seed) ^ round) ^ (static_cast<uint64_t>(worker) << 40 ^ offset));
  return static_cast<double>(h >> 11) * 0x1.0p-53 < loss;
}

std::string Stats::line() const {
  return str_cat("udp: ", received, " datagrams received, ", dropped, " dropped by the emulated loss, ", timed_out,
                 " missing at the deadline, ", other_round, " from another round, ", malformed, " malformed, ",
                 duplicates, " duplicates; ", missing_values, " coordinates filled");
}

Receiver::Receiver(int workers, int64_t numel, double loss, uint64_t seed, double deadline_seconds)
    : workers_(workers), numel_(numel), loss_(loss), seed_(seed), deadline_(deadline_seconds) {
  TERN_CHECK(workers > 0 && numel > 0, "udp: a receiver needs workers and values");
  TERN_CHECK(loss >= 0 && loss < 1, "--udp-loss: expected a rate in [0, 1), given ", loss);
  TERN_CHECK(deadline_seconds > 0, "--udp-deadline-ms: expected a positive time");
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd_ < 0) sys_fail("socket");
  // Room for a whole round (every worker's push) in the kernel's queue.
  int want = static_cast<int>(std::min<int64_t>(int64_t{1} << 30, 2 * workers * numel * 4 + (1 << 20)));
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want);  // root: beyond rmem_max
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) sys_fail("bind 127.0.0.1");
  socklen_t len = sizeof a;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) sys_fail("getsockname");
  port_ = ntohs(a.sin_port);
  seen_chunk_.assign(workers, std::vector<uint8_t>(chunks_of(numel), 0));
}

Receiver::~Receiver() {
  if (fd_ >= 0) ::close(fd_);
}

void Receiver::accept(std::span<const uint8_t> bytes, uint64_t round, std::vector<std::vector<float>>& grads,
                      std::vector<std::vector<uint8_t>>& present) {
  Parsed p = parse_datagram(bytes, workers_, numel_, round);
  switch (p.verdict) {
    case Verdict::other_round: ++stats_.other_round; return;
    case Verdict::malformed: case Verdict::wrong_worker: case Verdict::out_of_range: ++stats_.malformed; return;
    case Verdict::ok: break;
  }
  const DatagramHeader& h = p.header;
  uint8_t& seen = seen_chunk_[h.worker][h.offset / kFloatsPerDatagram];
  if (seen) {
    ++stats_.duplicates;
    return;
  }
  seen = 1;
  ++seen_;
  if (emulated_drop(seed_, round, h.worker, h.offset, loss_)) {
    ++stats_.dropped;
    return;
  }
  ++stats_.received;
  std::copy(p.values.begin(), p.values.end(), grads[h.worker].begin() + static_cast<int64_t>(h.offset));
  std::fill_n(present[h.worker].begin() + static_cast<int64_t>(h.offset), h.count, 1);
}

int64_t Receiver::receive_round(uint64_t round, std::vector<std::vector<float>>& grads,
                             std::vector<std::vector<uint8_t>>& present) {
  grads.resize(workers_);
  present.resize(workers_);
  for (int w = 0; w < workers_; ++w) {
    grads[w].assign(numel_, 0.0f);
    present[w].assign(numel_, 0);
    std::fill(seen_chunk_[w].begin(), seen_chunk_[w].end(), 0);
  }
  seen_ = 0;
  const int64_t expected = static_cast<int64_t>(workers_) * chunks_of(numel_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(deadline_);
  std::vector<uint8_t> buf(sizeof(DatagramHeader) + kFloatsPerDatagram * sizeof(float) + 64);
  while (seen_ < expected) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{fd_, POLLIN, 0};
    const int r = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 100)));
    if (r < 0 && errno != EINTR) sys_fail("poll");
    if (r <= 0) continue;
    for (;;) {  // drain what is queued
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
        sys_fail("recv");
      }
      accept(std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)), round, grads, present);
      if (seen_ == expected) break;
    }
  }
  stats_.timed_out += expected - seen_;
  int64_t missing = 0;
  for (int w = 0; w < workers_; ++w) missing += numel_ - std::count(present[w].begin(), present[w].end(), uint8_t{1});
  stats_.missing_values += missing;
  return missing;
}

Sender::Sender(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd_ < 0) sys_fail("socket");
  int want = 4 << 20;
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) sys_fail(str_cat("connect 127.0.0.1:", port));
}

Sender::~Sender() {
  if (fd_ >= 0) ::close(fd_);
}

void Sender::send(uint32_t worker, uint64_t round, std::span<const float> values) {
  for (const std::string& d : encode_push(worker, round, values)) {
    for (int attempt = 0;; ++attempt) {
      if (::send(fd_, d.data(), d.size(), 0) == static_cast<ssize_t>(d.size())) break;
      // ECONNREFUSED: an ICMP error from an earlier datagram (the server not
      // yet reading); ENOBUFS / EAGAIN: the send queue is full. UDP promises
      // nothing either way: retry a little, then let the datagram go.
      if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED && errno != EINTR) sys_fail("send");
      if (attempt >= 100) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

int64_t fill_missing(std::vector<std::vector<float>>& grads, const std::vector<std::vector<uint8_t>>& present) {
  if (grads.empty()) return 0;
  const size_t n = grads[0].size();
  int64_t filled = 0;
  std::vector<float> col;
  for (size_t i = 0; i < n; ++i) {
    bool any_missing = false;
    col.clear();
    for (size_t w = 0; w < grads.size(); ++w) {
      if (present[w][i]) col.push_back(grads[w][i]);
      else any_missing = true;
    }
    if (!any_missing) continue;
    float fill = 0;
    // NaN sorts nowhere: the median of the finite values that arrived.
    col.erase(std::remove_if(col.begin(), col.end(), [](float v) { return !std::isfinite(v); }), col.end());
    if (!col.empty()) {
      const size_t mid = col.size() / 2;
      std::nth_element(col.begin(), col.begin() + mid, col.end());
      fill = col[mid];
      if (col.size() % 2 == 0) fill = 0.5f * (fill + *std::max_element(col.begin(), col.begin() + mid));
    }
    for (size_t w = 0; w < grads.size(); ++w)
      if (!present[w][i]) {
        grads[w][i] = fill;
        ++filled;
      }
  }
  return filled;
}

}  // namespace tern::distributed::ps::udp
