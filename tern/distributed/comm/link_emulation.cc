#include "tern/base/parse.h"
#include "tern/distributed/comm/link_emulation.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <vector>

namespace tern::distributed::comm {
namespace {

constexpr int kTagGroupExchange = 0x7e01;
constexpr int kTagNeverSent = 0x7e02;

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// A send to another group: the header (send time) and the data.
class EmulatedSend final : public Request {
 public:
  EmulatedSend(Communicator& inner, std::span<const std::byte> src, int dst, int tag) : sent_(now_s()) {
    header_ = inner.isend(std::as_bytes(std::span<const double>(&sent_, 1)), dst, tag);
    data_ = inner.isend(src, dst, tag);
  }
  void wait() override {
    header_->wait();
    data_->wait();
  }
  bool test() override { return header_->test() && data_->test(); }

 private:
  double sent_;
  RequestPtr header_, data_;
};

class EmulatedLinkCommunicator;

// A receive from another group: completes once the data is here and the
// emulated link would have delivered it.
class EmulatedRecv final : public Request {
 public:
  EmulatedRecv(EmulatedLinkCommunicator& comm, Communicator& inner, std::span<std::byte> dst, int src, int tag);
  void wait() override;
  bool test() override;

 private:
  double release_time(double host_transfer);

  EmulatedLinkCommunicator& comm_;
  int src_;
  double bytes_;
  double sent_ = 0;
  double release_ = -1;  // computed once both messages are in
  RequestPtr header_, data_;
};

class EmulatedLinkCommunicator final : public Communicator {
 public:
  EmulatedLinkCommunicator(std::unique_ptr<Communicator> inner, LinkEmulation config, std::vector<int> group_of)
      : inner_(std::move(inner)), config_(config), group_of_(std::move(group_of)), link_free_(group_of_.size(), 0) {
    set_timeout(inner_->timeout());
  }

  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::string backend() const override { return inner_->backend() + "+emulated-links"; }

  RequestPtr isend(std::span<const std::byte> src, int dst_rank, int tag) override {
    if (!crosses_groups(dst_rank)) return inner_->isend(src, dst_rank, tag);
    return std::make_unique<EmulatedSend>(*inner_, src, dst_rank, tag);
  }
  RequestPtr irecv(std::span<std::byte> dst, int src_rank, int tag) override {
    if (!crosses_groups(src_rank)) return inner_->irecv(dst, src_rank, tag);
    return std::make_unique<EmulatedRecv>(*this, *inner_, dst, src_rank, tag);
  }
  void barrier() override { inner_->barrier(); }
  void poll_liveness(int waiting_for) override { inner_->poll_liveness(waiting_for); }
  PeerTimeout polled_timeout(const std::string& what, int waiting_for, std::chrono::milliseconds waited) override {
    return inner_->polled_timeout(what, waiting_for, waited);
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    std::unique_ptr<Communicator> sub = inner_->split(color, key);
    if (!sub) return nullptr;
    // Learn the group of every member of the new communicator.
    const int n = sub->size(), me = group_of_[rank()];
    std::vector<int> groups(n);
    std::vector<RequestPtr> pending;
    for (int q = 0; q < n; ++q) {
      if (q == sub->rank()) continue;
      pending.push_back(sub->irecv(std::as_writable_bytes(std::span<int>(&groups[q], 1)), q, kTagGroupExchange));
      pending.push_back(sub->isend(std::as_bytes(std::span<const int>(&me, 1)), q, kTagGroupExchange));
    }
    for (auto& r : pending) r->wait();
    groups[sub->rank()] = me;
    return std::make_unique<EmulatedLinkCommunicator>(std::move(sub), config_, std::move(groups));
  }

  void native_allreduce(std::span<std::byte> data, ElemType type) override {
    check_native("allreduce");
    inner_->native_allreduce(data, type);
  }
  void native_reduce_scatter(std::span<std::byte> data, ElemType type) override {
    check_native("reduce_scatter");
    inner_->native_reduce_scatter(data, type);
  }
  void native_all_gather(std::span<std::byte> data, ElemType type) override {
    check_native("all_gather");
    inner_->native_all_gather(data, type);
  }
  void native_broadcast(std::span<std::byte> data, int root) override {
    check_native("broadcast");
    inner_->native_broadcast(data, root);
  }

  // Keeps the backend's transfers moving while a receive sits out its delay
  // (a network would carry our outgoing messages meanwhile): testing a
  // receive that never matches drives MPI's progress engine.
  void drive_progress() {
    if (!progress_) progress_ = inner_->irecv(std::span<std::byte>(progress_byte_, 1), rank(), kTagNeverSent);
    progress_->test();
  }

  // When a message from `src`, sent at `sent`, may be handed over, given how
  // long the host's own transfer of it was seen to take. The emulated link
  // serialises it after the previous one, and the latency counts from when
  // the last byte is through, whether the emulated rate or the host's copy
  // was the slower: a real link's propagation delay follows serialisation
  // instead of overlapping it.
  double release_time(int src, double sent, double host_transfer, double bytes) {
    const double depart = std::max(sent, link_free_[src]);
    const double on_wire = config_.inter_bytes_per_s > 0 ? bytes / config_.inter_bytes_per_s : 0;
    link_free_[src] = depart + on_wire;
    return std::max(depart + on_wire, sent + host_transfer) + config_.inter_delay_s;
  }

 private:
  bool crosses_groups(int peer) const {
    TERN_CHECK_INDEX(peer >= 0 && peer < size(), "rank ", peer, " is not in this communicator of ", size(), " ranks");
    return group_of_[peer] != group_of_[rank()];
  }
  void check_native(const char* what) const {
    const bool spans = std::any_of(group_of_.begin(), group_of_.end(), [&](int g) { return g != group_of_[0]; });
    TERN_CHECK_T(NotImplementedError, !spans, "native ", what,
                 " cannot run under link emulation across groups (MPI's collectives bypass the emulated links); "
                 "use ring or hd");
  }

  std::unique_ptr<Communicator> inner_;
  LinkEmulation config_;
  std::vector<int> group_of_;
  std::vector<double> link_free_;  // per sender
  std::byte progress_byte_[1];
  RequestPtr progress_;
};

EmulatedRecv::EmulatedRecv(EmulatedLinkCommunicator& comm, Communicator& inner, std::span<std::byte> dst, int src,
                           int tag)
    : comm_(comm), src_(src), bytes_(static_cast<double>(dst.size())) {
  header_ = inner.irecv(std::as_writable_bytes(std::span<double>(&sent_, 1)), src, tag);
  data_ = inner.irecv(dst, src, tag);
}

double EmulatedRecv::release_time(double host_transfer) {
  if (release_ < 0) release_ = comm_.release_time(src_, sent_, host_transfer, bytes_);
  return release_;
}

void EmulatedRecv::wait() {
  header_->wait();
  // The host's transfer is timed from when we start watching it (or from
  // the send, if later): before that, a receiver busy elsewhere may have
  // stalled it, which a network would not. Data already here took an
  // unknown time, counted as none.
  double host_transfer = 0;
  if (!data_->test()) {
    const double watched_from = std::max(sent_, now_s());
    data_->wait();
    host_transfer = now_s() - watched_from;
  }
  const double release = release_time(host_transfer);
  // Busy-wait: the data is here and only time must pass. Yielding instead
  // would, on a loaded host, turn a 50 us delay into a scheduler slice of
  // milliseconds.
  while (now_s() < release) comm_.drive_progress();
}

bool EmulatedRecv::test() {
  if (!header_->test() || !data_->test()) return false;
  return now_s() >= release_time(0);  // how long the transfer took is not known
}

int parse_positive(std::string_view s, std::string_view whole) {
  return static_cast<int>(parse_int(s, str_cat("link emulation ", quote(whole)), {1, 1 << 20}));
}

double parse_non_negative(std::string_view s, std::string_view whole) {
  return parse_double(s, str_cat("link emulation ", quote(whole)), {.min = 0});
}

}  // namespace

std::string LinkEmulation::describe() const {
  std::string s = str_cat("groups=", groups, "x", group_size, ",inter_delay_us=", inter_delay_s * 1e6);
  if (inter_bytes_per_s > 0) s += str_cat(",inter_gbit=", inter_bytes_per_s * 8 / 1e9);
  return s;
}

LinkEmulation parse_link_emulation(std::string_view text, int world_size) {
  LinkEmulation e;
  bool have_groups = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    const size_t eq = item.find('=');
    TERN_CHECK(eq != std::string_view::npos, "link emulation '", text, "': expected key=value items, given '", item,
               "'");
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    if (key == "groups") {
      const size_t x = value.find('x');
      TERN_CHECK(x != std::string_view::npos, "link emulation '", text,
                 "': groups=<groups>x<ranks per group>, e.g. groups=2x2");
      e.groups = parse_positive(value.substr(0, x), text);
      e.group_size = parse_positive(value.substr(x + 1), text);
      have_groups = true;
    } else if (key == "inter_delay_us") {
      e.inter_delay_s = parse_non_negative(value, text) * 1e-6;
    } else if (key == "inter_gbit") {
      e.inter_bytes_per_s = parse_non_negative(value, text) * 1e9 / 8;
      TERN_CHECK(e.inter_bytes_per_s > 0, "link emulation '", text, "': inter_gbit must be > 0");
    } else {
      TERN_FAIL("link emulation '", text, "': unknown key '", key, "' (expected groups, inter_delay_us, inter_gbit)");
    }
    start = end + 1;
  }
  TERN_CHECK(have_groups, "link emulation '", text, "' needs groups=<groups>x<ranks per group>");
  TERN_CHECK(e.groups * e.group_size == world_size, "link emulation groups=", e.groups, "x", e.group_size, " covers ",
             e.groups * e.group_size, " ranks but the world has ", world_size);
  return e;
}

std::optional<LinkEmulation> link_emulation_from_env(int world_size) {
  const char* env = std::getenv("TERN_LINK_EMULATION");
  if (env == nullptr || *env == '\0') return std::nullopt;
  return parse_link_emulation(env, world_size);
}

std::unique_ptr<Communicator> emulate_links(std::unique_ptr<Communicator> world, const LinkEmulation& config) {
  TERN_CHECK(config.groups * config.group_size == world->size(), "link emulation groups=", config.groups, "x",
             config.group_size, " does not cover the world of ", world->size(), " ranks");
  std::vector<int> group_of(world->size());
  for (int r = 0; r < world->size(); ++r) group_of[r] = r / config.group_size;
  return std::make_unique<EmulatedLinkCommunicator>(std::move(world), config, std::move(group_of));
}

}  // namespace tern::distributed::comm
