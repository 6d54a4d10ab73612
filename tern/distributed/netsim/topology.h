// A cluster: nodes x devices, one fabric inside nodes and one between them,
// ranks numbered node-major (rank = node * devices_per_node + device), as
// mpirun places them by default.
//
// Contention (a fluid model: flows that run at the same time share a port
// evenly):
//  - intra: with a per-device fabric (NVLink) a flow shares its source's
//    out-port and its destination's in-port with the other flows using them;
//    with a shared fabric (PCIe) all intra flows of the node share it.
//  - inter: each node has nics_per_node NICs; a flow shares its node's NICs
//    with the node's other inter-node flows (both ends count).
//  - switches: with nodes_per_switch > 0, nodes hang off leaf switches whose
//    uplink carries nodes_per_switch * nics_per_node * beta / oversubscription;
//    flows between leaves share it.
#pragma once

#include <string>
#include <string_view>

#include "tern/distributed/netsim/link.h"

namespace tern::distributed::netsim {

struct Topology {
  int nodes = 1;
  int devices_per_node = 1;
  Link intra;
  Link inter;
  int nics_per_node = 1;
  int nodes_per_switch = 0;       // 0: one non-blocking switch
  double oversubscription = 1.0;  // leaf uplink oversubscription (>= 1)
  double reduce_bytes_per_s = 0;  // summing speed on a device; 0: free (GPUs, next to the network)

  int size() const { return nodes * devices_per_node; }
  int node_of(int rank) const { return rank / devices_per_node; }
  int switch_of(int rank) const { return nodes_per_switch > 0 ? node_of(rank) / nodes_per_switch : 0; }
  bool same_node(int a, int b) const { return node_of(a) == node_of(b); }
  std::string describe() const;  // "48x4 (nvlink inside, ib-100g between)"
};

// "48x4": 48 nodes of 4 devices. Throws ValueError on bad text.
Topology parse_topology(std::string_view shape, const Link& intra, const Link& inter);

// Throws ValueError naming the bad field.
void validate(const Topology& topo);

}  // namespace tern::distributed::netsim
