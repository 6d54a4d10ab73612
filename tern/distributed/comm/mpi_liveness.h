// Liveness probes for the MPI backend: who stopped answering?
//
// When a wait times out, the peer it waited for may itself be waiting for a
// third rank (a ring collective stalls rank after rank behind one stopped
// process), so naming the direct peer blames a healthy rank. Every rank that
// waits inside Tern's communicator therefore answers, on a private duplicate
// of MPI_COMM_WORLD, the question "whom are you waiting for?". A rank whose
// wait times out follows that chain (asking each rank with a short deadline)
// until a rank does not answer, waits for several ranks at once, or the
// chain loops back (a deadlock of mismatched calls), and says which.
//
// Ranks here are world ranks. All of it runs on the thread that waits, so
// MPI_THREAD_SERIALIZED suffices.
#pragma once

#include <chrono>
#include <string>

namespace tern::distributed::comm::liveness {

inline constexpr int kNotWaiting = -1;  // not inside a wait
inline constexpr int kSeveral = -2;     // a barrier, or a server waiting for any of several workers

// Creates the probe channel (collective over MPI_COMM_WORLD; idempotent).
void init();

// Marks what this rank waits for (a world rank, kSeveral or kNotWaiting)
// for as long as the guard lives, restoring the previous value after.
class Waiting {
 public:
  explicit Waiting(int world_peer);
  ~Waiting();
  Waiting(const Waiting&) = delete;
  Waiting& operator=(const Waiting&) = delete;

 private:
  int previous_;
};

// Replies to every probe that has arrived; cheap when none has.
void answer_probes();

// After a wait for `world_peer` timed out: follows the chain of waits from
// it and returns a sentence for the error message (empty when nothing more
// can be learnt). *stopped receives the world rank that did not answer, or
// -1 when none can be named. Each rank asked gets `per_rank` to answer.
std::string trace(int world_peer, std::chrono::milliseconds per_rank, int* stopped);

}  // namespace tern::distributed::comm::liveness
