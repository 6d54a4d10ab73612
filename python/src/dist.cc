// tern.dist: the distributed runtime from Python, under mpirun. One world
// communicator per process (MPI initialised on first use); collectives on
// float32 tensors in place; DistributedDataParallel is the data-parallel
// trainer's bucketed, overlapped reducer (tern/distributed/ddp).
#include "python/src/bindings.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/distributed/ddp/data_parallel.h"
#include "tern/distributed/ddp/model_sync.h"

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

  py::class_<dist::ddp::DataParallel>(m, "DataParallel")
      .def(py::init([](nn::Module& model, int64_t bucket_bytes, bool overlap, const std::string& algorithm) {
             TERN_CHECK(bucket_bytes > 0, "bucket_bytes: expected a positive size, given ", bucket_bytes);
             dist::ddp::DdpOptions o;
             o.bucket_bytes = bucket_bytes;
             o.overlap = overlap;
             o.algorithm = algorithm_of(algorithm);
             return std::make_unique<dist::ddp::DataParallel>(world(), model, o);
           }),
           arg("module"), arg("bucket_bytes") = int64_t{1} << 20, arg("overlap") = true, arg("algorithm") = "ring",
           py::keep_alive<1, 2>())
      .def("prepare_step", &dist::ddp::DataParallel::prepare_step)
      .def("finish_step", &dist::ddp::DataParallel::finish_step, py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("num_buckets", &dist::ddp::DataParallel::num_buckets)
      .def_property_readonly("exposed_comm_seconds", &dist::ddp::DataParallel::exposed_comm_seconds);
}

}  // namespace tern::python
