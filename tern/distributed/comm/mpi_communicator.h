// The MPI backend of Communicator (OpenMPI; processes start with mpirun).
//
// MPI is initialised once per process, lazily, by the first mpi_world() call
// (MPI_THREAD_SERIALIZED: any thread may communicate, one at a time) and
// finalised at exit. If the program initialised MPI itself, Tern neither
// initialises nor finalises it.
//
// Failure behaviour: a rank that dies makes mpirun end the whole job. A rank
// that hangs (or never makes the matching call) makes its peers' waits throw
// PeerTimeout after the communicator's timeout; since MPI_Finalize would then
// wait for the stuck rank, a caller that catches PeerTimeout should end the
// job with abort_job() (the `tern` CLI does).
#pragma once

#include <memory>

#include "tern/distributed/comm/communicator.h"

namespace tern::distributed::comm {

// A communicator over all processes of the job (a duplicate of
// MPI_COMM_WORLD, so Tern's traffic never matches anyone else's). Run
// without mpirun it is a world of one.
std::unique_ptr<Communicator> mpi_world();

// Ends every process of the job with the given exit code (MPI_Abort).
[[noreturn]] void abort_job(int exit_code);

// How waits idle once a transfer has not completed after a short spin.
// Zero (the default): keep polling, yielding the core between polls, which
// gives the lowest latency. A positive value sleeps that long between polls,
// so a thread waiting on the network leaves the core to computation on the
// same core (the data-parallel trainer's communication thread). Process-wide.
void set_wait_backoff(std::chrono::microseconds sleep);

// Seconds since an arbitrary point, comparable across ranks only roughly
// (MPI_Wtime); initialises MPI if needed.
double mpi_wtime();

}  // namespace tern::distributed::comm
