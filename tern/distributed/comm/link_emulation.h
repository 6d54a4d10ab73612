// Software link emulation: a Communicator decorator that slows the messages
// between ranks of different groups, so that a single machine can stand in
// for a cluster with a slow network between its nodes (this machine's
// kernel has no netem qdisc to add latency to a link).
//
// How: the world's ranks form `groups` consecutive groups of `group_size`
// ranks (world rank r is in group r / group_size). A message to a rank of
// another group is preceded by an 8-byte header carrying the send time
// (steady_clock, which is CLOCK_MONOTONIC and so shared by all processes of
// one host). The receiver's request completes only once
//     depart  = max(sent, link free)          (link: this sender to us)
//     release = max(depart + bytes / bandwidth, sent + host transfer) + delay
// has passed: the delay follows the transfer, as a real link's propagation
// delay follows serialisation (a large message pays alpha + n/beta, what
// netsim charges). `host transfer` is how long wait() watched the backend
// take to deliver the data, from the later of the send and the start of
// wait(); data already in (or found by test()) counts as 0, so a receiver
// busy elsewhere, which would stall MPI's rendezvous but not a network, is
// not charged for it. Until release, wait() polls the backend's progress
// without yielding the core (a yield on a loaded host can cost
// milliseconds).
// Messages inside a group pass through untouched. The header is a real extra
// message, so an emulated link also costs one small message more than the
// delay; the measured round times in netsim/README.md include it.
//
// The backend's native collectives cannot be delayed message by message;
// on a communicator that spans groups they throw NotImplementedError.
// This works on one host only (the clocks must be the same clock).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::comm {

struct LinkEmulation {
  int groups = 1;
  int group_size = 1;
  double inter_delay_s = 0;      // added one-way latency per message between groups
  double inter_bytes_per_s = 0;  // 0: unlimited; else each sender->receiver link serialises at this rate
  std::string describe() const;  // "groups=2x2,inter_delay_us=50"
};

// "groups=2x2,inter_delay_us=50[,inter_gbit=1]": 2 groups of 2 ranks, 50 us
// between them, optionally 1 Gbit/s per link. Throws ValueError (one line)
// on bad text or if groups x size differs from world_size.
LinkEmulation parse_link_emulation(std::string_view text, int world_size);

// The TERN_LINK_EMULATION environment variable, parsed; nullopt when unset
// or empty.
std::optional<LinkEmulation> link_emulation_from_env(int world_size);

// Wraps a world communicator (rank r is world rank r). Collective over world
// only in the sense that every rank must wrap with the same configuration.
std::unique_ptr<Communicator> emulate_links(std::unique_ptr<Communicator> world, const LinkEmulation& config);

}  // namespace tern::distributed::comm
