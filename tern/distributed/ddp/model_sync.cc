#include "tern/distributed/ddp/model_sync.h"

#include <type_traits>

#include "tern/distributed/collectives/collectives.h"

namespace tern::distributed::ddp {
namespace {

// Calls fn with a span over each tensor's data; float32 and float64 only.
template <typename Fn>
void for_each_float_tensor(const nn::NamedTensors& named, Fn&& fn) {
  for (const auto& [name, tensor] : named) {
    Tensor t = tensor;
    TERN_CHECK(t.is_contiguous(), "replicated training needs contiguous tensors; ", name, " is not");
    if (t.dtype() == DType::f32) fn(std::span<float>(t.data<float>(), t.numel()));
    else if (t.dtype() == DType::f64) fn(std::span<double>(t.data<double>(), t.numel()));
    else TERN_FAIL("replicated training syncs float32/float64 state; ", name, " is ", dtype_name(t.dtype()));
  }
}

}  // namespace

void broadcast_state(comm::Communicator& comm, nn::Module& model) {
  for_each_float_tensor(model.state(), [&](auto data) { collectives::broadcast(comm, data, 0); });
}

void average_buffers(comm::Communicator& comm, nn::Module& model) {
  const double inv = 1.0 / comm.size();
  for_each_float_tensor(model.named_buffers(), [&](auto data) {
    using T = typename decltype(data)::value_type;
    collectives::allreduce(comm, data);
    for (T& v : data) v = static_cast<T>(v * inv);
  });
}

}  // namespace tern::distributed::ddp
