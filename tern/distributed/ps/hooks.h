// The parameter server's extension points. The push/pull path calls them at
// fixed places so later systems plug in without touching the protocol:
//  - Aggregator: how a server combines the gradients workers pushed (all the
//    tensors it owns, as one vector): the mean, or a Byzantine-resilient
//    rule of tern/distributed/ps/gar (Krum, Multi-Krum, Bulyan, ...).
//  - SendScheduler: the order in which a round's worker (worker.h) sends its
//    slices (the order backward produced them). P3's schedule is a worker
//    and server loop of its own (p3_worker.h, p3_server.cc), not a scheduler.
//  - The codec (tern/distributed/compress) encodes every push and pull.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tern/base/registry.h"
#include "tern/distributed/ps/gar/gar.h"

namespace tern::distributed::ps {

class Aggregator {
 public:
  virtual ~Aggregator() = default;
  virtual std::string name() const = 0;
  // grads: one span per contributing worker, all out.size() long. Rules
  // may keep state from round to round (centered clipping's centre).
  virtual void aggregate(std::span<const std::span<const float>> grads, std::span<float> out) = 0;
};

// Element-wise mean.
class MeanAggregator final : public Aggregator {
 public:
  std::string name() const override { return "mean"; }
  void aggregate(std::span<const std::span<const float>> grads, std::span<float> out) override;
};

// A rule of tern/distributed/ps/gar behind the hook.
class GarAggregator final : public Aggregator {
 public:
  explicit GarAggregator(std::unique_ptr<gar::Rule> rule) : rule_(std::move(rule)) {}
  std::string name() const override { return rule_->name(); }
  void aggregate(std::span<const std::span<const float>> grads, std::span<float> out) override {
    rule_->aggregate(grads, out);
  }
  const gar::Rule& rule() const { return *rule_; }

 private:
  std::unique_ptr<gar::Rule> rule_;
};

// What a scheduler knows about one slice (layout.h) a worker is about to push.
struct PushItem {
  int slice = 0;         // index in the layout's slices
  int tensor = 0;        // its tensor's index in the model's parameter order
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
// trainer builds the ones PsOptions names. Aggregators are built for n
// workers of which f may be Byzantine (the rule checks its bound on n and f).
using AggregatorRegistry = Registry<std::unique_ptr<Aggregator>(gar::RuleShape)>;
using SendSchedulerRegistry = Registry<std::unique_ptr<SendScheduler>()>;
AggregatorRegistry& aggregator_registry();        // mean and every rule of gar::registry()
SendSchedulerRegistry& send_scheduler_registry();  // backward-order

}  // namespace tern::distributed::ps
