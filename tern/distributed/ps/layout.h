// Who is who in a parameter-server job and which server owns which tensor.
// Ranks 0..workers-1 are workers (rank 0 reports), the last `servers` ranks
// are servers. Whole tensors are assigned to servers, largest first to the
// least-loaded one, so every tensor keeps its own codec state.
#pragma once
#include <cstdint>
#include <vector>

namespace tern::distributed::ps {

struct Layout {
  int workers = 0;
  int servers = 0;
  std::vector<int> owner;                  // tensor -> server index
  std::vector<std::vector<int>> tensors;   // server index -> its tensors, ascending

  // Throws ValueError unless 1 <= servers < world_size.
  static Layout make(int world_size, int servers, const std::vector<int64_t>& tensor_sizes);
  bool is_server(int rank) const { return rank >= workers; }
  int server_rank(int server) const { return workers + server; }
  int server_index(int rank) const { return rank - workers; }
};

}  // namespace tern::distributed::ps
