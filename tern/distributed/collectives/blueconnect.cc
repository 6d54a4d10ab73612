#include "tern/base/parse.h"
#include "tern/distributed/collectives/blueconnect.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "tern/base/error.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/collectives/partition.h"
#include "tern/distributed/collectives/reduce.h"
#include "tern/distributed/collectives/scratch.h"

namespace tern::distributed::collectives {
namespace {

// Splits "a<sep>b<sep>c" into its parts (an empty text gives one empty part).
std::vector<std::string_view> split_text(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    const size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

int parse_int(std::string_view part, std::string_view whole, const char* what) {
  return static_cast<int>(tern::parse_int(part, str_cat("BlueConnect ", what, " ", quote(whole)), {-(1 << 30), 1 << 30}));
}

int64_t product(const std::vector<int>& factors) {
  return std::accumulate(factors.begin(), factors.end(), int64_t{1}, std::multiplies<>());
}

std::string join_ints(const std::vector<int>& v, const char* sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += std::to_string(v[i]);
  }
  return s;
}

constexpr int kTagPairExchange = 0x7b10;

// All-reduce of two ranks in one exchange: each sends its whole range and
// adds the other's. Same bytes as a reduce-scatter plus an all-gather, half
// the latency; a + b == b + a in IEEE arithmetic, so both ranks agree bit
// for bit.
template <typename T>
void pair_exchange_allreduce(comm::Communicator& comm, std::span<T> data) {
  std::span<T> theirs = detail::scratch<T>(static_cast<int64_t>(data.size()));
  const int partner = 1 - comm.rank();
  auto recv = comm.irecv(theirs, partner, kTagPairExchange);
  auto send = comm.isend(std::span<const T>(data), partner, kTagPairExchange);
  recv->wait();
  send->wait();
  sum_into(data, std::span<const T>(theirs));
}

}  // namespace

std::vector<int> parse_stage_order(std::string_view text) {
  std::vector<int> order;
  for (std::string_view part : split_text(text, ',')) order.push_back(parse_int(part, text, "stage order"));
  return order;
}

std::vector<Algorithm> parse_stage_algorithms(std::string_view text) {
  std::vector<Algorithm> algos;
  for (std::string_view part : split_text(text, ',')) algos.push_back(parse_algorithm(part));
  return algos;
}

BlueConnectPlan parse_blueconnect_plan(std::string_view factors, int world_size) {
  BlueConnectPlan plan;
  for (std::string_view part : split_text(factors, 'x')) {
    const int f = parse_int(part, factors, "factors");
    TERN_CHECK(f >= 1, "BlueConnect factors '", factors, "': every factor must be >= 1, given ", f);
    plan.factors.push_back(f);
  }
  TERN_CHECK(product(plan.factors) == world_size, "BlueConnect factors '", factors, "' multiply to ",
             product(plan.factors), " but the world has ", world_size, " ranks");
  plan.order.resize(plan.factors.size());
  std::iota(plan.order.begin(), plan.order.end(), 0);
  plan.stage_algos.assign(plan.factors.size(), Algorithm::ring);
  return plan;
}

void validate_blueconnect_plan(const BlueConnectPlan& plan, int world_size) {
  const std::string shown = join_ints(plan.factors, "x");
  TERN_CHECK(!plan.factors.empty(), "BlueConnect plan has no factors");
  for (int f : plan.factors) TERN_CHECK(f >= 1, "BlueConnect factors ", shown, ": every factor must be >= 1");
  TERN_CHECK(product(plan.factors) == world_size, "BlueConnect factors ", shown, " multiply to ",
             product(plan.factors), " but the world has ", world_size, " ranks");
  std::vector<int> sorted = plan.order;
  std::sort(sorted.begin(), sorted.end());
  bool permutation = sorted.size() == plan.factors.size();
  for (size_t i = 0; permutation && i < sorted.size(); ++i) permutation = sorted[i] == static_cast<int>(i);
  TERN_CHECK(permutation, "BlueConnect stage order ", join_ints(plan.order, ","), " is not a permutation of 0..",
             plan.factors.size() - 1, " (one entry per factor of ", shown, ")");
  TERN_CHECK(plan.stage_algos.size() == plan.factors.size(), "BlueConnect factors ", shown, " need ",
             plan.factors.size(), " stage algorithms, given ", plan.stage_algos.size());
}

std::string format_blueconnect_plan(const BlueConnectPlan& plan) {
  std::string algos;
  for (size_t i = 0; i < plan.stage_algos.size(); ++i) {
    if (i) algos += ",";
    algos += algorithm_name(plan.stage_algos[i]);
  }
  return join_ints(plan.factors, "x") + " order=" + join_ints(plan.order, ",") + " algos=" + algos;
}

std::vector<int> blueconnect_coordinates(int rank, const std::vector<int>& factors) {
  std::vector<int> coords(factors.size());
  for (size_t i = 0; i < factors.size(); ++i) {
    coords[i] = rank % factors[i];
    rank /= factors[i];
  }
  return coords;
}

BlueConnect::BlueConnect(comm::Communicator& world, BlueConnectPlan plan) : plan_(std::move(plan)) {
  validate_blueconnect_plan(plan_, world.size());
  const std::vector<int> coords = blueconnect_coordinates(world.rank(), plan_.factors);
  int64_t stride = 1;
  for (size_t i = 0; i < plan_.factors.size(); ++i) {
    // The group's members share every coordinate but c_i; the member with
    // c_i = 0 names the group, and c_i is the rank inside it.
    const int64_t base = world.rank() - coords[i] * stride;
    stage_comms_.push_back(world.split(static_cast<int>(base), coords[i]));
    TERN_ASSERT(stage_comms_.back()->size() == plan_.factors[i] && stage_comms_.back()->rank() == coords[i]);
    stride *= plan_.factors[i];
  }
}

BlueConnect::~BlueConnect() = default;

template <typename T>
void BlueConnect::allreduce(std::span<T> data) {
  const size_t k = plan_.factors.size();
  // ranges[t] is the range stage t works on; each reduce-scatter keeps this
  // rank's block of it, and the all-gathers widen back in reverse.
  std::vector<std::span<T>> ranges(k);
  ranges[0] = data;
  for (size_t t = 0; t + 1 < k; ++t) {
    const int f = plan_.order[t];
    comm::Communicator& comm = *stage_comms_[f];
    reduce_scatter(comm, ranges[t], plan_.stage_algos[f]);
    const int64_t n = static_cast<int64_t>(ranges[t].size());
    ranges[t + 1] = ranges[t].subspan(block_offset(n, comm.size(), comm.rank()), block_count(n, comm.size(), comm.rank()));
  }
  // The last reduce-scatter and the first all-gather run back to back in the
  // same group: together they are an all-reduce of that group's range.
  const int last = plan_.order[k - 1];
  comm::Communicator& inner = *stage_comms_[last];
  if (inner.size() == 2 && plan_.stage_algos[last] != Algorithm::native)
    pair_exchange_allreduce(inner, ranges[k - 1]);
  else
    collectives::allreduce(inner, ranges[k - 1], plan_.stage_algos[last]);
  for (size_t t = k - 1; t-- > 0;) {
    const int f = plan_.order[t];
    all_gather(*stage_comms_[f], ranges[t], plan_.stage_algos[f]);
  }
}

template void BlueConnect::allreduce<float>(std::span<float>);
template void BlueConnect::allreduce<double>(std::span<double>);

}  // namespace tern::distributed::collectives
