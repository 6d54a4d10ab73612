#include "tern/distributed/netsim/rounds.h"

#include <algorithm>
#include <vector>

namespace tern::distributed::netsim {
namespace {

// How many flows use each port in one round (vectors indexed by device,
// node or switch: the planner evaluates many thousands of rounds).
struct PortLoad {
  std::vector<int> device_out, device_in;  // intra, per device (per-device fabric)
  std::vector<int> node_intra;             // intra, per node (shared fabric)
  std::vector<int> nic_out, nic_in;        // inter, per node
  std::vector<int> uplink_out, uplink_in;  // inter, between leaf switches

  PortLoad(const Topology& topo, const std::vector<Flow>& flows)
      : device_out(topo.size()), device_in(topo.size()), node_intra(topo.nodes), nic_out(topo.nodes),
        nic_in(topo.nodes), uplink_out(topo.switch_of(topo.size() - 1) + 1), uplink_in(uplink_out.size()) {
    for (const Flow& f : flows) {
      if (topo.same_node(f.src, f.dst)) {
        ++device_out[f.src];
        ++device_in[f.dst];
        ++node_intra[topo.node_of(f.src)];
      } else {
        ++nic_out[topo.node_of(f.src)];
        ++nic_in[topo.node_of(f.dst)];
        if (topo.switch_of(f.src) != topo.switch_of(f.dst)) {
          ++uplink_out[topo.switch_of(f.src)];
          ++uplink_in[topo.switch_of(f.dst)];
        }
      }
    }
  }
};

FlowTime flow_time(const Topology& topo, const PortLoad& load, const Flow& f) {
  if (f.src == f.dst) return {};
  if (topo.same_node(f.src, f.dst)) {
    const int share = topo.intra.shared ? load.node_intra[topo.node_of(f.src)]
                                        : std::max(load.device_out[f.src], load.device_in[f.dst]);
    return {topo.intra.alpha_s, f.bytes * share / topo.intra.bytes_per_s};
  }
  const int nic_flows = std::max(load.nic_out[topo.node_of(f.src)], load.nic_in[topo.node_of(f.dst)]);
  double bandwidth = topo.inter.bytes_per_s * std::min(1.0, static_cast<double>(topo.nics_per_node) / nic_flows);
  if (topo.switch_of(f.src) != topo.switch_of(f.dst)) {
    const double uplink = topo.nodes_per_switch * topo.nics_per_node * topo.inter.bytes_per_s / topo.oversubscription;
    const int uplink_flows =
        std::max(load.uplink_out[topo.switch_of(f.src)], load.uplink_in[topo.switch_of(f.dst)]);
    bandwidth = std::min(bandwidth, uplink / uplink_flows);
  }
  return {topo.inter.alpha_s, f.bytes / bandwidth};
}

}  // namespace

std::vector<FlowTime> flow_times(const Topology& topo, const std::vector<Flow>& flows) {
  const PortLoad load(topo, flows);
  std::vector<FlowTime> times;
  times.reserve(flows.size());
  for (const Flow& f : flows) times.push_back(flow_time(topo, load, f));
  return times;
}

double round_seconds(const Topology& topo, const std::vector<Flow>& flows, double reduced_bytes) {
  if (flows.empty()) return 0;
  double slowest = 0;
  for (const FlowTime& t : flow_times(topo, flows)) slowest = std::max(slowest, t.alpha_s + t.transfer_s);
  if (topo.reduce_bytes_per_s > 0) slowest += reduced_bytes / topo.reduce_bytes_per_s;
  return slowest;
}

const char* fabric_of(const Topology& topo, const std::vector<Flow>& flows) {
  bool intra = false, inter = false;
  for (const Flow& f : flows) (topo.same_node(f.src, f.dst) ? intra : inter) = true;
  return intra && inter ? "mixed" : inter ? "inter" : intra ? "intra" : "none";
}

}  // namespace tern::distributed::netsim
