// `--factors auto`: BlueConnect plans from the netsim cost model, with the
// links' alpha and beta measured at start-up by a short probe.
//
// The probe times rounds shaped like the collectives' own: every rank sends
// to its right neighbour at once, first inside its node (ranks r with the
// same r / ranks_per_node), then across nodes (ranks with the same
// r % ranks_per_node), at a small and a large size; two sizes give alpha and
// beta per fabric. Because all ranks are busy, as in a real stage, the
// measured beta already includes the sharing of ports, cores and memory,
// so the probed topology gives every rank its own port (no further sharing).
// Each fabric's alpha and beta come from the median of 40 steps of 64 bytes
// and of 9 steps of 1 MiB (medians resist a rank losing its core on a shared
// host). It also times summing, which on CPUs is not free. Costs about 50
// step latencies of each fabric plus 18 MiB of traffic per rank.
#pragma once

#include <cstdint>

#include "tern/distributed/collectives/blueconnect.h"
#include "tern/distributed/comm/communicator.h"
#include "tern/distributed/netsim/planner.h"
#include "tern/distributed/netsim/topology.h"

namespace tern::distributed::collectives {

// Collective over world. ranks_per_node must divide world.size(); every rank
// gets the same result (the means over ranks).
netsim::Topology probe_topology(comm::Communicator& world, int ranks_per_node);

// The planner's choice for `bytes` on `topo`, as a plan for BlueConnect.
BlueConnectPlan plan_from_model(const netsim::Topology& topo, int64_t bytes);
BlueConnectPlan to_plan(const netsim::BlueConnectSchedule& schedule);

// What a trainer calls for `--factors auto`: probe_topology (ranks_per_node
// <= 0: default_ranks_per_node) then plan_from_model for `bytes` (e.g. the
// bucket size). Collective over world; every rank gets the same plan.
BlueConnectPlan plan_blueconnect_auto(comm::Communicator& world, int64_t bytes, int ranks_per_node = 0);

// Ranks per node when nothing says otherwise: TERN_LINK_EMULATION's group
// size, else OpenMPI's OMPI_COMM_WORLD_LOCAL_SIZE, else all ranks.
int default_ranks_per_node(int world_size);

}  // namespace tern::distributed::collectives
