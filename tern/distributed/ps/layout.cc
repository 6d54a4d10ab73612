#include "tern/distributed/ps/layout.h"

#include <algorithm>
#include <numeric>

#include "tern/base/error.h"

namespace tern::distributed::ps {
namespace {

int least_loaded(const std::vector<int64_t>& load) {
  return static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
}

// Cuts one tensor into slices of at most `limit` elements, at whole rows
// when a row fits in a slice.
void cut(int t, const TensorExtent& e, int64_t limit, std::vector<Slice>& out) {
  const int64_t cols = e.shape.cols;
  const bool rows_fit = e.shape.rows > 0 && cols > 0 && cols <= limit;
  const int64_t step = rows_fit ? (limit / cols) * cols : limit;
  for (int64_t off = 0; off < e.numel; off += step) {
    Slice s;
    s.tensor = t;
    s.offset = off;
    s.numel = std::min(step, e.numel - off);
    s.whole_tensor = s.numel == e.numel;
    if (s.whole_tensor) s.shape = e.shape;
    else if (rows_fit) s.shape = {s.numel / cols, cols};
    out.push_back(s);
  }
}

}  // namespace

Layout Layout::make(int world_size, int servers, const std::vector<TensorExtent>& tensors, int64_t slice_elems) {
  TERN_CHECK(servers >= 1 && servers < world_size, "a parameter-server job needs 1 <= servers < ranks; got ", servers,
             " servers for ", world_size, " ranks (start more ranks with mpirun -np)");
  TERN_CHECK(slice_elems >= 0, "--slice-elems: expected a positive slice size (or 0 for whole tensors), given ",
             slice_elems);
  Layout l;
  l.servers = servers;
  l.workers = world_size - servers;
  l.slice_elems = slice_elems;
  for (size_t t = 0; t < tensors.size(); ++t) {
    if (slice_elems > 0) {
      cut(static_cast<int>(t), tensors[t], slice_elems, l.slices);
      continue;
    }
    Slice s;
    s.tensor = static_cast<int>(t);
    s.numel = tensors[t].numel;
    s.shape = tensors[t].shape;
    s.whole_tensor = true;
    l.slices.push_back(s);
  }
  std::vector<int64_t> load(servers, 0);
  std::vector<int> order(l.slices.size());
  std::iota(order.begin(), order.end(), 0);
  // Whole tensors: largest first, which balances uneven sizes; slices are
  // (nearly) equal, so parameter order keeps neighbours on different servers.
  if (slice_elems == 0)
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return l.slices[a].numel > l.slices[b].numel; });
  for (int i : order) {
    l.slices[i].server = least_loaded(load);
    load[l.slices[i].server] += l.slices[i].numel;
  }
  l.owned.assign(servers, {});
  l.of_tensor.assign(tensors.size(), {});
  for (int i = 0; i < l.num_slices(); ++i) {
    l.owned[l.slices[i].server].push_back(i);
    l.of_tensor[l.slices[i].tensor].push_back(i);
  }
  for (int s = 0; s < servers; ++s)
    TERN_CHECK(!l.owned[s].empty(), "more servers (", servers, ") than the model has ",
               slice_elems > 0 ? "slices" : "tensors", " (", l.slices.size(), ")",
               slice_elems > 0 ? "; use a smaller --slice-elems" : "; use fewer servers or --slice-elems");
  return l;
}

}  // namespace tern::distributed::ps
