#include "tern/distributed/comm/mpi_liveness.h"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <list>
#include <thread>
#include <vector>

#include "tern/base/error.h"

namespace tern::distributed::comm::liveness {
namespace {

constexpr int kAskTag = 1;    // {sequence, asker}
constexpr int kReplyTag = 2;  // {sequence, whom the answering rank waits for}

using Message = std::array<int32_t, 2>;

MPI_Comm g_comm = MPI_COMM_NULL;
int g_me = 0;
int g_size = 1;
std::atomic<int> g_waiting_for{kNotWaiting};
int32_t g_sequence = 0;

// Sends in flight: each owns its buffer until MPI is done with it. A send to
// a rank that stopped may never complete; it is dropped when the job ends.
struct PendingSend {
  Message message;
  MPI_Request request = MPI_REQUEST_NULL;
};
std::list<PendingSend> g_sends;

void reap_sends() {
  for (auto it = g_sends.begin(); it != g_sends.end();) {
    int done = 0;
    if (MPI_Test(&it->request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS || done) it = g_sends.erase(it);
    else ++it;
  }
}

void post(Message message, int to, int tag) {
  auto& s = g_sends.emplace_back();
  s.message = message;
  if (MPI_Isend(s.message.data(), 2, MPI_INT32_T, to, tag, g_comm, &s.request) != MPI_SUCCESS) g_sends.pop_back();
}

// Asks `rank` whom it waits for; false if it does not answer within `limit`.
bool ask(int rank, std::chrono::milliseconds limit, int* answer) {
  const int32_t sequence = ++g_sequence;
  post({sequence, g_me}, rank, kAskTag);
  Message reply{};
  MPI_Request request = MPI_REQUEST_NULL;
  if (MPI_Irecv(reply.data(), 2, MPI_INT32_T, rank, kReplyTag, g_comm, &request) != MPI_SUCCESS) return false;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int done = 0;
    if (MPI_Test(&request, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return false;
    if (done) {
      if (reply[0] == sequence) {
        *answer = reply[1];
        return true;
      }
      // A late reply to an earlier question: wait for this one's.
      if (MPI_Irecv(reply.data(), 2, MPI_INT32_T, rank, kReplyTag, g_comm, &request) != MPI_SUCCESS) return false;
      continue;
    }
    answer_probes();  // others may be tracing through this rank meanwhile
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  MPI_Cancel(&request);
  MPI_Request_free(&request);
  return false;
}

}  // namespace

void init() {
  static const bool once = [] {
    if (MPI_Comm_dup(MPI_COMM_WORLD, &g_comm) != MPI_SUCCESS) {
      g_comm = MPI_COMM_NULL;
      return false;
    }
    MPI_Comm_set_errhandler(g_comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(g_comm, &g_me);
    MPI_Comm_size(g_comm, &g_size);
    return true;
  }();
  (void)once;
}

Waiting::Waiting(int world_peer) : previous_(g_waiting_for.exchange(world_peer)) {}
Waiting::~Waiting() { g_waiting_for.store(previous_); }

void answer_probes() {
  if (g_comm == MPI_COMM_NULL) return;
  reap_sends();
  for (;;) {
    int arrived = 0;
    MPI_Status status;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kAskTag, g_comm, &arrived, &status) != MPI_SUCCESS || !arrived) return;
    Message question{};
    if (MPI_Recv(question.data(), 2, MPI_INT32_T, status.MPI_SOURCE, kAskTag, g_comm, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS)
      return;
    post({question[0], g_waiting_for.load()}, status.MPI_SOURCE, kReplyTag);
  }
}

std::string trace(int world_peer, std::chrono::milliseconds per_rank, int* stopped) {
  *stopped = -1;
  if (g_comm == MPI_COMM_NULL || world_peer < 0 || world_peer >= g_size || world_peer == g_me) return "";
  std::vector<bool> seen(g_size, false);
  seen[g_me] = true;
  std::string chain;
  for (int rank = world_peer;;) {
    seen[rank] = true;
    int answer = kNotWaiting;
    if (!ask(rank, per_rank, &answer)) {
      *stopped = rank;
      return str_cat(chain, "world rank ", rank, " does not answer: it stopped (died, hangs, or computes without ",
                     "calling the communicator)");
    }
    if (answer == kSeveral)
      return str_cat(chain, "world rank ", rank, " answers and waits for several ranks at once, so the one that ",
                     "stopped cannot be named");
    if (answer < 0 || answer >= g_size)
      return str_cat(chain, "world rank ", rank, " answers and waits for nobody: it never made the matching call");
    if (answer == g_me) return str_cat(chain, "world rank ", rank, " waits for this rank: mismatched calls");
    chain += str_cat("world rank ", rank, " waits for world rank ", answer, "; ");
    if (seen[answer]) return str_cat(chain, "the waits form a cycle: mismatched calls");
    rank = answer;
  }
}

}  // namespace tern::distributed::comm::liveness
