#include "tern/base/parse.h"
#include "tern/distributed/netsim/topology.h"

#include <charconv>

#include "tern/base/error.h"

namespace tern::distributed::netsim {

std::string Topology::describe() const {
  std::string s = std::to_string(nodes) + "x" + std::to_string(devices_per_node) + " (" + intra.name + " inside, " +
                  inter.name + " between";
  if (nodes_per_switch > 0)
    s += ", " + std::to_string(nodes_per_switch) + " nodes per leaf switch, " + std::to_string(oversubscription) +
         ":1 oversubscribed";
  return s + ")";
}

Topology parse_topology(std::string_view shape, const Link& intra, const Link& inter) {
  const size_t x = shape.find('x');
  int nodes = 0, devices = 0;
  TERN_CHECK(x != std::string_view::npos, "topology ", quote(shape), ": expected <nodes>x<devices per node>, e.g. 48x4");
  const std::string what = str_cat("topology ", quote(shape));
  nodes = static_cast<int>(parse_int(shape.substr(0, x), what + " nodes", {1, 1 << 20}));
  devices = static_cast<int>(parse_int(shape.substr(x + 1), what + " devices per node", {1, 1 << 20}));
  Topology topo;
  topo.nodes = nodes;
  topo.devices_per_node = devices;
  topo.intra = intra;
  topo.inter = inter;
  validate(topo);
  return topo;
}

void validate(const Topology& t) {
  TERN_CHECK(t.nodes >= 1 && t.devices_per_node >= 1, "topology needs >= 1 node and >= 1 device per node, given ",
             t.nodes, "x", t.devices_per_node);
  TERN_CHECK(t.intra.bytes_per_s > 0 && t.inter.bytes_per_s > 0 && t.intra.alpha_s >= 0 && t.inter.alpha_s >= 0,
             "topology links need positive bandwidth and non-negative latency");
  TERN_CHECK(t.nics_per_node >= 1, "nics_per_node must be >= 1, given ", t.nics_per_node);
  TERN_CHECK(t.nodes_per_switch >= 0, "nodes_per_switch must be >= 0, given ", t.nodes_per_switch);
  TERN_CHECK(t.oversubscription >= 1, "oversubscription must be >= 1, given ", t.oversubscription);
  TERN_CHECK(t.reduce_bytes_per_s >= 0, "reduce_bytes_per_s must be >= 0, given ", t.reduce_bytes_per_s);
}

}  // namespace tern::distributed::netsim
