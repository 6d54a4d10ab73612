// Module: a tree of layers with named parameters and buffers (as in
// PyTorch's nn.Module). Parameters are leaf tensors that require grad;
// buffers (batch-norm running statistics) are saved but not trained.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tern/core/tensor.h"
#include "tern/nn/init.h"

namespace tern::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  explicit Module(std::string type) : type_(std::move(type)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Runs forward(); also records the call when a model description is being
  // taken (describe.h).
  Tensor operator()(const Tensor& x);
  virtual Tensor forward(const Tensor& x) = 0;

  // Recursive, in registration order, names joined with '.' ("layer1.0.conv1.weight").
  NamedTensors named_parameters() const;
  // This module's own parameters, not its children's.
  const NamedTensors& own_parameters() const { return params_; }
  NamedTensors named_buffers() const;
  std::vector<Tensor> parameters() const;
  // Parameters then buffers: everything a checkpoint holds.
  NamedTensors state() const;
  int64_t num_parameters() const;
  // How each parameter was initialised (init.h), recursive in the order of
  // named_parameters(); kind none where nobody recorded it.
  std::vector<std::pair<std::string, init::InitSpec>> named_inits() const;
  // Records how this module's own parameter `name` was initialised (the
  // value an init:: function returned). Throws ValueError for an unknown name.
  void set_init(const std::string& name, const init::InitSpec& spec);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  const std::string& type() const { return type_; }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  Tensor& register_parameter(const std::string& name, Tensor t);
  Tensor& register_buffer(const std::string& name, Tensor t);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void collect(const std::string& prefix, bool params, NamedTensors& out) const;
  void collect_inits(const std::string& prefix, std::vector<std::pair<std::string, init::InitSpec>>& out) const;
  std::string type_;
  bool training_ = true;
  NamedTensors params_;
  std::vector<init::InitSpec> inits_;  // one per params_ entry
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

using ModulePtr = std::shared_ptr<Module>;

// Called on entry to every Module::operator() of this thread while
// installed: P3's parameter-server worker (tern/distributed/ps/p3_worker.h)
// waits there until that module's own parameters have come back from the
// servers, so layer i starts as soon as its slices are in. A module that
// calls a child's forward() directly bypasses the gate; containers call
// children through operator().
class ForwardGate {
 public:
  virtual ~ForwardGate() = default;
  virtual void before_forward(const Module& m) = 0;
};

// Installs `gate` on this thread for the guard's lifetime (restoring the
// previous one after).
class ScopedForwardGate {
 public:
  explicit ScopedForwardGate(ForwardGate* gate);
  ~ScopedForwardGate();
  ScopedForwardGate(const ScopedForwardGate&) = delete;
  ScopedForwardGate& operator=(const ScopedForwardGate&) = delete;

 private:
  ForwardGate* previous_;
};

// Runs its children in order.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential& add(ModulePtr m);
  Sequential& add(const std::string& name, ModulePtr m);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return children().size(); }
};

}  // namespace tern::nn
