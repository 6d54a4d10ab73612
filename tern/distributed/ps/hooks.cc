#include "tern/distributed/ps/hooks.h"

#include <algorithm>

#include "tern/base/error.h"

namespace tern::distributed::ps {

void MeanAggregator::aggregate(std::span<const std::span<const float>> grads, std::span<float> out) {
  TERN_CHECK(!grads.empty(), "mean of no gradients");
  std::fill(out.begin(), out.end(), 0.0f);
  for (const auto& g : grads) {
    TERN_ASSERT(g.size() == out.size(), "gradient sizes agree");
    for (size_t i = 0; i < out.size(); ++i) out[i] += g[i];
  }
  const float inv = 1.0f / static_cast<float>(grads.size());
  for (float& v : out) v *= inv;
}

std::vector<int> BackwardOrderScheduler::order(const std::vector<PushItem>& items) const {
  std::vector<int> idx(items.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int>(i);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return items[a].tensor > items[b].tensor; });
  return idx;
}

AggregatorRegistry& aggregator_registry() {
  static AggregatorRegistry r = [] {
    AggregatorRegistry reg("aggregation rule");
    reg.add({"mean", "element-wise mean of the workers' gradients", {},
             [](const Args&, gar::RuleShape) -> std::unique_ptr<Aggregator> {
               return std::make_unique<MeanAggregator>();
             }});
    for (const auto& e : gar::registry()) {
      if (e.name == "mean") continue;
      reg.add({e.name, e.help, e.args, [make = e.make](const Args& a, gar::RuleShape s) -> std::unique_ptr<Aggregator> {
                 return std::make_unique<GarAggregator>(make(a, s));
               }});
    }
    return reg;
  }();
  return r;
}

SendSchedulerRegistry& send_scheduler_registry() {
  static SendSchedulerRegistry r = [] {
    SendSchedulerRegistry reg("send scheduler");
    reg.add({"backward-order", "last layer first, as backward produces the gradients", {},
             [](const Args&) -> std::unique_ptr<SendScheduler> { return std::make_unique<BackwardOrderScheduler>(); }});
    return reg;
  }();
  return r;
}

}  // namespace tern::distributed::ps
