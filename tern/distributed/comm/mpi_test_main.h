// For GoogleTest binaries run under mpirun (see mpi_test_main.cc): every
// rank runs every test; world() is the job's communicator.
#pragma once

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::comm::testing {

Communicator& world();

}  // namespace tern::distributed::comm::testing
