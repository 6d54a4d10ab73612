// Links of the alpha-beta model: a message of b bytes over a link takes
// alpha + b / beta seconds (Hockney 1994). alpha is the per-message latency
// (software + wire), beta the bandwidth one flow gets when it has the link
// to itself. Contention is modelled by the topology (topology.h), which
// divides beta among the flows sharing a port.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tern::distributed::netsim {

struct Link {
  std::string name;           // "nvlink", "ib-100g", or "custom"
  double alpha_s = 0;         // seconds per message
  double bytes_per_s = 1e9;   // bandwidth of one uncontended flow
  // A shared fabric (a PCIe tree through one switch, a node's Ethernet port):
  // all flows on it inside one node share bytes_per_s. Otherwise each device
  // has its own port (NVLink), shared only by that device's own flows.
  bool shared = false;

  double seconds(double bytes) const { return alpha_s + bytes / bytes_per_s; }
};

// Named presets (see README.md for where each figure comes from):
// nvlink, nvlink2, pcie, shm, ib-100g, ib-56g, eth-100g, eth-25g, eth-10g, eth-1g.
// Also accepts "alpha_us=5,gbit=100[,shared]" for a custom link.
// Throws ValueError listing the presets for an unknown name.
Link parse_link(std::string_view text);
std::vector<std::string> link_preset_names();

}  // namespace tern::distributed::netsim
