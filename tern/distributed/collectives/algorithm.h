// Which algorithm a collective runs.
#pragma once

#include <string>
#include <string_view>

namespace tern::distributed::collectives {

enum class Algorithm {
  ring,              // bandwidth-optimal ring over point-to-point (allreduce_ring.h)
  halving_doubling,  // recursive halving-doubling, log p steps (allreduce_halving_doubling.h)
  native,            // the backend's own collective: MPI_Allreduce etc. on MPI
  mpi = native,      // the name under MPI
};

// "ring", "hd" (or "halving-doubling"), "native" (or "mpi"); throws ValueError otherwise.
Algorithm parse_algorithm(std::string_view name);
// "ring", "hd", "native".
const char* algorithm_name(Algorithm a);

}  // namespace tern::distributed::collectives
