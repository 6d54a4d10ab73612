#include "tern/distributed/collectives/algorithm.h"

#include "tern/base/error.h"

namespace tern::distributed::collectives {

Algorithm parse_algorithm(std::string_view name) {
  if (name == "ring") return Algorithm::ring;
  if (name == "hd" || name == "halving-doubling") return Algorithm::halving_doubling;
  if (name == "native" || name == "mpi") return Algorithm::native;
  TERN_FAIL("unknown collective algorithm '", name, "': expected ring, hd or mpi (native)");
}

const char* algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::ring: return "ring";
    case Algorithm::halving_doubling: return "hd";
    case Algorithm::native: return "native";
  }
  return "?";
}

}  // namespace tern::distributed::collectives
