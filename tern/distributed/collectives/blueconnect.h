// BlueConnect all-reduce (Cho, Finkler, Kung & Hunt, "BlueConnect:
// Decomposing All-Reduce for Deep Learning on Heterogeneous Network
// Hierarchy", SysML 2019).
//
// The p ranks are factored p = p_0 * p_1 * ... * p_{k-1} and rank r gets
// mixed-radix coordinates c_i = (r / s_i) % p_i with s_i = p_0 * ... * p_{i-1}
// (coordinate 0 varies fastest, so with ranks numbered node-major a first
// factor equal to the devices per node groups each node's devices). Factor i
// has its own sub-communicator: the p_i ranks that differ only in c_i.
//
// The all-reduce is k reduce-scatter stages, in plan.order, each in its
// factor's sub-communicator and each keeping the rank's 1/p_i block of the
// range the previous stage left it (partition.h layout, nested), then k
// all-gather stages in the reverse order. The last reduce-scatter and the
// first all-gather share a group and run back to back, so they run as one
// all-reduce of that group (for two ranks a single exchange of the range:
// the same bytes, half the latency). Every factor runs its own
// Algorithm (ring, halving_doubling or native), so a stage inside a node and
// a stage between nodes can each use what suits their fabric. With one
// factor it is the plain all-reduce of that algorithm.
//
// Traffic per rank is the same 2(p-1)/p of the buffer as a flat ring, but the
// latency term is sum_i 2(p_i - 1) steps instead of 2(p - 1), and each stage
// stays on one kind of link.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tern/distributed/collectives/algorithm.h"
#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::collectives {

struct BlueConnectPlan {
  std::vector<int> factors;             // p_0 ... p_{k-1}, each >= 1 (a factor of 1 is a no-op stage)
  std::vector<int> order;               // the reduce-scatter stage order: a permutation of 0..k-1
  std::vector<Algorithm> stage_algos;   // stage_algos[i] is the algorithm of factor i (both its stages)
};

// Parses "2x4" (factors separated by 'x'; also "8" for one factor) into a
// plan with the natural order 0..k-1 and ring for every factor. Throws
// ValueError, one line, if a factor is not a positive integer or the product
// differs from world_size.
BlueConnectPlan parse_blueconnect_plan(std::string_view factors, int world_size);

// Checks a plan against world_size (factors, order a permutation, one
// algorithm per factor); throws ValueError naming what is wrong.
void validate_blueconnect_plan(const BlueConnectPlan& plan, int world_size);

// "4x48 order=0,1 algos=ring,hd": for logs and the CLI.
std::string format_blueconnect_plan(const BlueConnectPlan& plan);

// "1,0" -> {1, 0}; "ring,hd" -> {ring, halving_doubling}. ValueError on bad text.
std::vector<int> parse_stage_order(std::string_view text);
std::vector<Algorithm> parse_stage_algorithms(std::string_view text);

// Mixed-radix coordinates of `rank` under `factors` (coordinate 0 fastest).
std::vector<int> blueconnect_coordinates(int rank, const std::vector<int>& factors);

class BlueConnect {
 public:
  // Collective over world: splits one sub-communicator per factor (so every
  // rank must construct it with the same plan); those are all it keeps.
  // Build once, reuse every step. Throws ValueError for a plan that does not
  // fit world.size().
  BlueConnect(comm::Communicator& world, BlueConnectPlan plan);
  ~BlueConnect();
  BlueConnect(const BlueConnect&) = delete;
  BlueConnect& operator=(const BlueConnect&) = delete;

  // In place: every rank ends with the element-wise sum over all ranks.
  // Collective over world; every rank passes the same length (any, incl. 0).
  // Defined for float and double.
  template <typename T>
  void allreduce(std::span<T> data);

  const BlueConnectPlan& plan() const { return plan_; }
  // The sub-communicator of factor i (ranks differing only in coordinate i).
  comm::Communicator& stage_comm(int factor) { return *stage_comms_.at(factor); }

 private:
  BlueConnectPlan plan_;
  std::vector<std::unique_ptr<comm::Communicator>> stage_comms_;
};

}  // namespace tern::distributed::collectives
