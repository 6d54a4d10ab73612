// The parameter server's extension points. The push/pull path calls them at
// fixed places so later systems plug in without touching the protocol:
//  - Aggregator: how a server combines the gradients workers pushed for one
//    tensor (the mean here; AggregaThor's robust rules later).
//  - SendScheduler: the order in which a worker sends its tensors (here the
//    order backward produced them; P3's priorities later).
//  - The codec (tern/distributed/compress) encodes every push and pull.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tern/base/registry.h"

namespace tern::distributed::ps {

class Aggregator {
 public:
  virtual ~Aggregator() = default;
  virtual std::string name() const = 0;
  // grads: one span per contributing worker, all out.size() long.
  virtual void aggregate(std::span<const std::span<const float>> grads, std::span<float> out) const = 0;
};

// Element-wise mean.
class MeanAggregator final : public Aggregator {
 public:
  std::string name() const override { return "mean"; }
  void aggregate(std::span<const std::span<const float>> grads, std::span<float> out) const override;
};

// What a scheduler knows about one tensor a worker is about to push.
struct PushItem {
  int tensor = 0;        // index in the model's parameter order
  int64_t numel = 0;
  int server = 0;
};

class SendScheduler {
 public:
  virtual ~SendScheduler() = default;
  virtual std::string name() const = 0;
  // The order to send `items` in (a permutation of their indices).
  virtual std::vector<int> order(const std::vector<PushItem>& items) const = 0;
};

// Last layer first: the order backward produces gradients in.
class BackwardOrderScheduler final : public SendScheduler {
 public:
  std::string name() const override { return "backward-order"; }
  std::vector<int> order(const std::vector<PushItem>& items) const override;
};

// The hooks by name (the registry idiom of tern/base/registry.h); the
// trainer builds the ones PsOptions names. Robust aggregation rules and
// priority schedulers register here.
using AggregatorRegistry = Registry<std::unique_ptr<Aggregator>()>;
using SendSchedulerRegistry = Registry<std::unique_ptr<SendScheduler>()>;
AggregatorRegistry& aggregator_registry();        // mean
SendSchedulerRegistry& send_scheduler_registry();  // backward-order

}  // namespace tern::distributed::ps
