// Who is who in a parameter-server job and which server owns which part of
// the model. Ranks 0..workers-1 are workers (rank 0 reports), the last
// `servers` ranks are servers. The unit of placement, of messages and of
// codec state is the slice: a contiguous range of one parameter tensor.
//  - slice_elems == 0: one slice per whole tensor, largest first to the
//    least-loaded server (every tensor keeps its own codec state);
//  - slice_elems > 0 (P3, Jayarajan et al., SysML 2019): every tensor is cut
//    into slices of at most slice_elems elements, cut at whole rows where a
//    row fits (so 2-D codecs still see matrices), and each slice, in
//    parameter order, goes to the least-loaded server. This also spreads one
//    large tensor over several servers.
#pragma once
#include <cstdint>
#include <vector>

#include "tern/distributed/compress/codec.h"

namespace tern::distributed::ps {

// What the layout needs to know about one parameter tensor.
struct TensorExtent {
  int64_t numel = 0;
  compress::MatrixShape shape;  // rows x cols for 2-D codecs; {} for vectors
};

struct Slice {
  int tensor = 0;        // index in the model's parameter order
  int64_t offset = 0;    // first element within the tensor
  int64_t numel = 0;
  int server = 0;
  compress::MatrixShape shape;  // the tensor's, or whole rows of it: rows x cols; else {}
  bool whole_tensor = false;    // the slice is the whole tensor
};

struct Layout {
  int workers = 0;
  int servers = 0;
  int64_t slice_elems = 0;
  std::vector<Slice> slices;                // in parameter order, then offset
  std::vector<std::vector<int>> owned;      // server index -> its slices, ascending
  std::vector<std::vector<int>> of_tensor;  // tensor -> its slices, ascending

  // Throws ValueError unless 1 <= servers < world_size, slice_elems >= 0 and
  // every server owns at least one slice.
  static Layout make(int world_size, int servers, const std::vector<TensorExtent>& tensors, int64_t slice_elems = 0);
  bool is_server(int rank) const { return rank >= workers; }
  int server_rank(int server) const { return workers + server; }
  int server_index(int rank) const { return rank - workers; }
  int num_slices() const { return static_cast<int>(slices.size()); }
};

}  // namespace tern::distributed::ps
