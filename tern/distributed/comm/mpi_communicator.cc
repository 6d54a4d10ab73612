#include "tern/distributed/comm/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tern/distributed/comm/mpi_liveness.h"

namespace tern::distributed::comm {
namespace {

bool mpi_finalized() {
  int done = 0;
  MPI_Finalized(&done);
  return done != 0;
}

void finalize_at_exit() {
  if (!mpi_finalized()) MPI_Finalize();
}

// Initialises MPI on first call; registers finalisation only if we did it.
void ensure_mpi() {
  static const bool once = [] {
    int already = 0;
    MPI_Initialized(&already);
    if (already) return true;
    TERN_CHECK(!mpi_finalized(), "MPI was already finalised in this process; it cannot be used again");
    int provided = 0;
    const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided);
    TERN_CHECK(rc == MPI_SUCCESS, "MPI_Init_thread failed (code ", rc, "); is this started with mpirun?");
    std::atexit(finalize_at_exit);
    return true;
  }();
  (void)once;
}

std::string mpi_error_text(int rc) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(rc);
  return std::string(text, len);
}

void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(str_cat(what, " failed: ", mpi_error_text(rc)));
}

int checked_count(int64_t n, const char* what) {
  TERN_CHECK(n >= 0 && n <= INT_MAX, what, ": MPI counts are int, so at most ", INT_MAX,
             " items per message; given ", n);
  return static_cast<int>(n);
}

MPI_Datatype mpi_type(ElemType t) { return t == ElemType::f32 ? MPI_FLOAT : MPI_DOUBLE; }
int64_t elem_size(ElemType t) { return t == ElemType::f32 ? 4 : 8; }

std::atomic<int64_t> g_wait_backoff_us{0};

// Polls req until done or the deadline; MPI_Test drives progress like
// MPI_Wait does, and the yield lets oversubscribed ranks share a core. While
// it waits, the rank answers liveness probes (mpi_liveness.h); when the
// deadline passes, it follows the chain of waits from `world_peer` (a world
// rank, or liveness::kSeveral) to name the rank that stopped.
void wait_with_deadline(MPI_Request* req, std::chrono::milliseconds timeout, int peer, int world_peer,
                        const std::string& what) {
  int done = 0;
  check_mpi(MPI_Test(req, &done, MPI_STATUS_IGNORE), "MPI_Test");
  if (done) return;
  const liveness::Waiting waiting(world_peer);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (unsigned spins = 1;; ++spins) {
    check_mpi(MPI_Test(req, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return;
    if ((spins & 15) == 0) {
      liveness::answer_probes();
      if (std::chrono::steady_clock::now() > deadline) {
        const auto per_rank = std::clamp(timeout / 4, std::chrono::milliseconds(500), std::chrono::milliseconds(3000));
        int stopped = -1;
        const std::string why = liveness::trace(world_peer, per_rank, &stopped);
        throw PeerTimeout(str_cat(what, " did not complete within ", std::chrono::duration<double>(timeout).count(),
                                  " s: ", why.empty() ? "the peer died, hangs, or never made the matching call" : why),
                          peer, stopped);
      }
    }
    const int64_t backoff = g_wait_backoff_us.load(std::memory_order_relaxed);
    if (backoff > 0 && spins > 64) std::this_thread::sleep_for(std::chrono::microseconds(backoff));
    else std::this_thread::yield();
  }
}

class MpiRequest final : public Request {
 public:
  MpiRequest(MPI_Request req, std::string what, int peer, int world_peer, std::chrono::milliseconds timeout,
             bool is_recv)
      : req_(req), what_(std::move(what)), peer_(peer), world_peer_(world_peer), timeout_(timeout), is_recv_(is_recv) {}
  ~MpiRequest() override {
    // Abandoned after a timeout: cancel a receive so MPI stops writing into
    // the buffer. A cancel cannot stop a transfer already under way (its
    // sender may be the stuck rank), so wait for it only briefly, then
    // release the request, as for a send; the job is ending anyway.
    if (req_ == MPI_REQUEST_NULL || mpi_finalized()) return;
    if (is_recv_) {
      MPI_Cancel(&req_);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
      int done = 0;
      while (!done && std::chrono::steady_clock::now() < deadline) MPI_Test(&req_, &done, MPI_STATUS_IGNORE);
      if (done) return;
    }
    MPI_Request_free(&req_);
  }
  void wait() override {
    if (req_ == MPI_REQUEST_NULL) return;
    wait_with_deadline(&req_, timeout_, peer_, world_peer_, what_);
  }
  bool test() override {
    if (req_ == MPI_REQUEST_NULL) return true;
    int done = 0;
    check_mpi(MPI_Test(&req_, &done, MPI_STATUS_IGNORE), "MPI_Test");
    return done != 0;
  }

 private:
  MPI_Request req_;
  std::string what_;
  int peer_;
  int world_peer_;
  std::chrono::milliseconds timeout_;
  bool is_recv_;
};

class MpiCommunicator final : public Communicator {
 public:
  // Takes ownership of comm (freed in the destructor).
  explicit MpiCommunicator(MPI_Comm comm) : comm_(comm) {
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    // This communicator's ranks as world ranks, for liveness probes.
    MPI_Group group = MPI_GROUP_NULL, world = MPI_GROUP_NULL;
    MPI_Comm_group(comm_, &group);
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    std::vector<int> mine(size_);
    for (int r = 0; r < size_; ++r) mine[r] = r;
    world_ranks_.resize(size_);
    MPI_Group_translate_ranks(group, size_, mine.data(), world, world_ranks_.data());
    MPI_Group_free(&group);
    MPI_Group_free(&world);
  }
  ~MpiCommunicator() override {
    if (!mpi_finalized()) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend() const override { return "mpi"; }

  RequestPtr isend(std::span<const std::byte> src, int dst_rank, int tag) override {
    check_peer(dst_rank, "send to");
    TERN_CHECK(tag >= 0, "message tags must be >= 0, given ", tag);
    const int n = checked_count(static_cast<int64_t>(src.size()), "send");
    MPI_Request req = MPI_REQUEST_NULL;
    check_mpi(MPI_Isend(src.data(), n, MPI_BYTE, dst_rank, tag, comm_, &req), "MPI_Isend");
    return std::make_unique<MpiRequest>(
        req, str_cat("rank ", rank_, ": send of ", n, " bytes to rank ", dst_rank, " (tag ", tag, ")"), dst_rank,
        world_ranks_[dst_rank], timeout(), false);
  }

  RequestPtr irecv(std::span<std::byte> dst, int src_rank, int tag) override {
    check_peer(src_rank, "receive from");
    TERN_CHECK(tag >= 0, "message tags must be >= 0, given ", tag);
    const int n = checked_count(static_cast<int64_t>(dst.size()), "receive");
    MPI_Request req = MPI_REQUEST_NULL;
    check_mpi(MPI_Irecv(dst.data(), n, MPI_BYTE, src_rank, tag, comm_, &req), "MPI_Irecv");
    return std::make_unique<MpiRequest>(
        req, str_cat("rank ", rank_, ": receive of ", n, " bytes from rank ", src_rank, " (tag ", tag, ")"),
        src_rank, world_ranks_[src_rank], timeout(), true);
  }

  void barrier() override {
    MPI_Request req = MPI_REQUEST_NULL;
    check_mpi(MPI_Ibarrier(comm_, &req), "MPI_Ibarrier");
    MpiRequest(req, str_cat("rank ", rank_, ": barrier over ", size_, " ranks"), -1, liveness::kSeveral, timeout(),
               false)
        .wait();
  }

  std::unique_ptr<Communicator> split(int color, int key) override {
    // MPI_Comm_split blocks without a deadline; the timed barrier first turns
    // a rank that never arrives into a PeerTimeout instead of a hang.
    barrier();
    MPI_Comm sub = MPI_COMM_NULL;
    check_mpi(MPI_Comm_split(comm_, color < 0 ? MPI_UNDEFINED : color, key, &sub), "MPI_Comm_split");
    if (sub == MPI_COMM_NULL) return nullptr;
    auto result = std::make_unique<MpiCommunicator>(sub);
    result->set_timeout(timeout());
    return result;
  }

  // Native collectives block inside MPI: OpenMPI's tuned blocking versions
  // are the baseline we compare against, and its non-blocking ones use other
  // algorithms. They therefore do not honour timeout().
  void native_allreduce(std::span<std::byte> data, ElemType type) override {
    const int n = checked_count(static_cast<int64_t>(data.size()) / elem_size(type), "allreduce");
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, data.data(), n, mpi_type(type), MPI_SUM, comm_), "MPI_Allreduce");
  }

  void native_reduce_scatter(std::span<std::byte> data, ElemType type) override {
    const int64_t esize = elem_size(type);
    const int64_t n = static_cast<int64_t>(data.size()) / esize;
    std::vector<int> counts(size_);
    for (int r = 0; r < size_; ++r) counts[r] = checked_count(block_count(n, r), "reduce_scatter");
    // MPI_IN_PLACE puts the result at the start of the buffer; our layout
    // keeps each block at its own offset, so receive aside and copy back.
    std::vector<std::byte> mine(static_cast<size_t>(counts[rank_] * esize));
    check_mpi(MPI_Reduce_scatter(data.data(), mine.data(), counts.data(), mpi_type(type), MPI_SUM, comm_),
              "MPI_Reduce_scatter");
    if (!mine.empty()) std::memcpy(data.data() + block_offset(n, rank_) * esize, mine.data(), mine.size());
  }

  void native_all_gather(std::span<std::byte> data, ElemType type) override {
    const int64_t n = static_cast<int64_t>(data.size()) / elem_size(type);
    std::vector<int> counts(size_), offsets(size_);
    for (int r = 0; r < size_; ++r) {
      counts[r] = checked_count(block_count(n, r), "all_gather");
      offsets[r] = checked_count(block_offset(n, r), "all_gather");
    }
    check_mpi(MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, data.data(), counts.data(), offsets.data(),
                             mpi_type(type), comm_),
              "MPI_Allgatherv");
  }

  void native_broadcast(std::span<std::byte> data, int root) override {
    check_peer(root, "broadcast from");
    const int n = checked_count(static_cast<int64_t>(data.size()), "broadcast");
    check_mpi(MPI_Bcast(data.data(), n, MPI_BYTE, root, comm_), "MPI_Bcast");
  }

 private:
  // The block layout of collectives/partition.h, repeated here so the comm
  // layer does not depend on the collectives layer above it.
  int64_t block_count(int64_t n, int r) const { return n / size_ + (r < n % size_ ? 1 : 0); }
  int64_t block_offset(int64_t n, int r) const { return r * (n / size_) + std::min<int64_t>(r, n % size_); }

  void poll_liveness(int waiting_for) override {
    const liveness::Waiting waiting(waiting_for >= 0 && waiting_for < size_ ? world_ranks_[waiting_for]
                                                                            : liveness::kSeveral);
    liveness::answer_probes();
  }

  PeerTimeout polled_timeout(const std::string& what, int waiting_for, std::chrono::milliseconds waited) override {
    const int world_peer = waiting_for >= 0 && waiting_for < size_ ? world_ranks_[waiting_for] : liveness::kSeveral;
    const auto per_rank = std::clamp(waited / 4, std::chrono::milliseconds(500), std::chrono::milliseconds(3000));
    int stopped = -1;
    const std::string why = liveness::trace(world_peer, per_rank, &stopped);
    return PeerTimeout(str_cat(what, " did not complete within ", std::chrono::duration<double>(waited).count(), " s: ",
                               why.empty() ? "the peer died, hangs, or never made the matching call" : why),
                       waiting_for, stopped);
  }

  void check_peer(int peer, const char* what) const {
    TERN_CHECK_INDEX(peer >= 0 && peer < size_, "cannot ", what, " rank ", peer, ": the communicator has ranks 0..",
                     size_ - 1);
  }

  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
  std::vector<int> world_ranks_;
};

}  // namespace

void set_wait_backoff(std::chrono::microseconds sleep) { g_wait_backoff_us = std::max<int64_t>(sleep.count(), 0); }

std::unique_ptr<Communicator> mpi_world() {
  ensure_mpi();
  MPI_Comm dup = MPI_COMM_NULL;
  check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &dup), "MPI_Comm_dup");
  liveness::init();
  return std::make_unique<MpiCommunicator>(dup);
}

void abort_job(int exit_code) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized && !mpi_finalized()) MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

double mpi_wtime() {
  ensure_mpi();
  return MPI_Wtime();
}

}  // namespace tern::distributed::comm
