// tern.dist: the distributed runtime from Python, under mpirun. One world
// communicator per process (MPI initialised on first use); collectives on
// float32 tensors in place; DistributedDataParallel is the data-parallel
// trainer's bucketed, overlapped reducer (tern/distributed/ddp) with its
// collectives and codecs; dist.train runs any registered strategy (the
// parameter server, local SGD, ...) as `tern train --dist NAME` does.
#include "python/src/bindings.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/ddp/allreduce_options.h"
#include "tern/distributed/ddp/data_parallel.h"
#include "tern/distributed/ddp/model_sync.h"
#include "tern/distributed/run.h"
#include "tern/train/report.h"

namespace tern::python {
namespace {

namespace dist = tern::distributed;

dist::comm::Communicator& world() {
  static std::unique_ptr<dist::comm::Communicator> w = dist::comm::mpi_world();
  return *w;
}

std::span<float> floats(Tensor& t, const char* what) {
  TERN_CHECK(t.dtype() == DType::f32 && t.is_contiguous(), what, ": expected a contiguous float32 tensor, given ",
             dtype_name(t.dtype()), t.is_contiguous() ? "" : " (not contiguous)");
  return {t.data<float>(), static_cast<size_t>(t.numel())};
}

dist::collectives::Algorithm algorithm_of(const std::string& name) {
  if (name == "ring") return dist::collectives::Algorithm::ring;
  if (name == "hd") return dist::collectives::Algorithm::halving_doubling;
  if (name == "mpi") return dist::collectives::Algorithm::mpi;
  TERN_FAIL("algorithm: expected ring, hd or mpi, given '", name, "'");
}

// The reducer with what its options point to (BlueConnect's plan, a codec's
// state), which must outlive it.
struct Reducer {
  dist::ddp::AllreduceSetup setup;
  std::unique_ptr<dist::ddp::DataParallel> impl;
};

// The strategy flags' keys ("servers", "codec-arg", ...).
bool is_strategy_flag(const std::string& key) {
  static const std::vector<ArgDoc> docs = dist::strategy_flags();
  for (const ArgDoc& d : docs)
    if (d.key == key) return true;
  return false;
}

}  // namespace

void init_dist(py::module_& m) {
  using py::arg;
  m.def("init", [] { (void)world(); }, "joins the job (MPI); a world of one without mpirun");
  m.def("rank", [] { return world().rank(); });
  m.def("size", [] { return world().size(); });
  m.def("barrier", [] { world().barrier(); }, py::call_guard<py::gil_scoped_release>());
  m.def(
      "all_reduce",
      [](Tensor& t, bool average, const std::string& algorithm) {
        std::span<float> v = floats(t, "all_reduce");
        {
          py::gil_scoped_release nogil;
          dist::collectives::allreduce(world(), v, algorithm_of(algorithm));
        }
        if (average)
          for (float& x : v) x /= static_cast<float>(world().size());
        return t;
      },
      arg("tensor"), arg("average") = false, arg("algorithm") = "ring",
      "sums (or averages) the tensor over all processes, in place");
  m.def(
      "broadcast",
      [](Tensor& t, int root) {
        TERN_CHECK(root >= 0 && root < world().size(), "broadcast: root ", root, " outside a world of ", world().size());
        std::span<float> v = floats(t, "broadcast");
        py::gil_scoped_release nogil;
        world().native_broadcast(std::as_writable_bytes(v), root);
        return t;
      },
      arg("tensor"), arg("root") = 0, "rank root's values on every process, in place");
  m.def(
      "broadcast_parameters", [](nn::Module& model) { dist::ddp::broadcast_state(world(), model); }, arg("module"),
      "rank 0's parameters and buffers on every process (call once before training)");
  m.def(
      "average_buffers", [](nn::Module& model) { dist::ddp::average_buffers(world(), model); }, arg("module"),
      "averages batch-norm running statistics over the processes");

  // Options as `tern train --dist allreduce` spells them (allreduce="hd",
  // codec="powersgd", codec_arg="rank=2"), read by the same function, so a
  // mistake gets the CLI's message.
  py::class_<Reducer>(m, "DataParallel")
      .def(py::init([](nn::Module& model, int64_t bucket_bytes, const py::kwargs& kwargs) {
             TERN_CHECK(bucket_bytes > 0, "bucket_bytes: expected a positive size, given ", bucket_bytes);
             Args flags("--");
             for (auto [k, v] : kwargs) set_flag(flags, py::str(k).cast<std::string>(), v);
             const dist::ddp::AllreduceOptions o = dist::ddp::read_allreduce_options(flags, "allreduce", true);
             TERN_CHECK_TYPE(flags.unread().empty(), "DataParallel() got an unexpected keyword argument '",
                             flags.unread().front(), "'");
             auto r = std::make_unique<Reducer>();
             r->setup = dist::ddp::make_allreduce(o, world(), [](const std::string&) {});
             r->setup.ddp.bucket_bytes = bucket_bytes;  // finer than --bucket-kb's KiB (tests use tiny buckets)
             r->impl = std::make_unique<dist::ddp::DataParallel>(world(), model, r->setup.ddp);
             return r;
           }),
           arg("module"), arg("bucket_bytes") = int64_t{1} << 20, py::keep_alive<1, 2>())
      .def("prepare_step", [](Reducer& r) { r.impl->prepare_step(); })
      .def("finish_step", [](Reducer& r) { r.impl->finish_step(); }, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("num_buckets", [](const Reducer& r) { return r.impl->num_buckets(); })
      .def_property_readonly("exposed_comm_seconds", [](const Reducer& r) { return r.impl->exposed_comm_seconds(); });

  m.def(
      "train",
      [](const std::string& strategy, const py::kwargs& kwargs) {
        Args flags("--");
        train::TrainOptions opt = train_options(kwargs, "dist.train", is_strategy_flag, &flags);
        dist::RunPlan plan = dist::plan_run(strategy, flags, opt);  // every mistake, before MPI starts
        dist::RunHooks hooks;
        hooks.program = "tern.dist.train";
        dist::RunReport r;
        {
          py::gil_scoped_release nogil;
          r = dist::run(plan, hooks);
        }
        py::object out = json_to_python(dist::report_json(r));
        out["leader"] = r.leader;
        return out;
      },
      arg("strategy"),
      "trains a zoo model with a distributed strategy, as `tern train --dist STRATEGY` does; keyword arguments are "
      "its flags (servers=2, codec=\"3lc\", batch_size=64)");
  m.def("strategies", [] {
    std::vector<std::string> names;
    for (const auto& e : dist::strategy_registry()) names.push_back(e.name);
    return names;
  });
  m.def("strategy_flags", [] {
    std::vector<std::string> keys;
    for (const ArgDoc& d : dist::strategy_flags()) keys.push_back(d.key);
    return keys;
  });
}

}  // namespace tern::python
