#include "tern/distributed/ps/layout.h"

#include <algorithm>
#include <numeric>

#include "tern/base/error.h"

namespace tern::distributed::ps {

Layout Layout::make(int world_size, int servers, const std::vector<int64_t>& tensor_sizes) {
  TERN_CHECK(servers >= 1 && servers < world_size, "a parameter-server job needs 1 <= servers < ranks; got ", servers,
             " servers for ", world_size, " ranks (start more ranks with mpirun -np)");
  Layout l;
  l.servers = servers;
  l.workers = world_size - servers;
  l.owner.assign(tensor_sizes.size(), 0);
  l.tensors.assign(servers, {});
  std::vector<int> by_size(tensor_sizes.size());
  std::iota(by_size.begin(), by_size.end(), 0);
  std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) { return tensor_sizes[a] > tensor_sizes[b]; });
  std::vector<int64_t> load(servers, 0);
  for (int t : by_size) {
    const int s = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    l.owner[t] = s;
    load[s] += tensor_sizes[t];
  }
  for (size_t t = 0; t < tensor_sizes.size(); ++t) l.tensors[l.owner[t]].push_back(static_cast<int>(t));
  return l;
}

}  // namespace tern::distributed::ps
