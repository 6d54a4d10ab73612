// tern._C.data: datasets (Fashion-MNIST, synthetic images, IDX folders, and
// tensors / NumPy arrays held in memory) and the C++ DataLoader, whose
// worker threads run without the GIL.
#include "python/src/bindings.h"
#include "tern/data/data_spec.h"
#include "tern/data/dataset.h"
#include "tern/data/idx_folder.h"
#include "tern/data/loader.h"
#include "tern/ops/ops.h"

namespace tern::python {
namespace {

using data::Batch;
using data::Dataset;

// Examples are rows of `inputs` (any dtype, [N, ...]) with labels [N] (i64).
// get() gathers rows with index_select, so a NumPy array shared by
// from_numpy is read in place, never copied whole.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor labels, int64_t classes) : inputs_(inputs.detach()), labels_(labels.detach()) {
    TERN_CHECK(inputs_.dim() >= 1, "TensorDataset: inputs need a leading example dim, got a 0-d tensor");
    TERN_CHECK_TYPE(labels_.dtype() == DType::i64, "TensorDataset: labels must be int64, got ",
                    dtype_name(labels_.dtype()));
    TERN_CHECK(labels_.dim() >= 1 && labels_.shape()[0] == inputs_.shape()[0], "TensorDataset: ",
               inputs_.shape()[0], " inputs but labels of shape ", shape_str(labels_.shape()));
    if (classes <= 0) {
      classes = 0;
      for (int64_t i = 0; i < labels_.numel(); ++i)
        classes = std::max(classes, static_cast<int64_t>(labels_.item_at(i)) + 1);
    }
    classes_ = classes;
  }
  int64_t size() const override { return inputs_.shape()[0]; }
  Batch get(const std::vector<int64_t>& indices) const override {
    for (int64_t i : indices)
      TERN_CHECK_INDEX(i >= 0 && i < size(), "TensorDataset: index ", i, " out of range for ", size(), " examples");
    Tensor idx = Tensor::from_vector(indices, {static_cast<int64_t>(indices.size())});
    return {index_select(inputs_, 0, idx), index_select(labels_, 0, idx)};
  }
  Shape example_shape() const override {
    Shape s = inputs_.shape();
    return Shape(s.begin() + 1, s.end());
  }
  int64_t num_classes() const override { return classes_; }

 private:
  Tensor inputs_, labels_;
  int64_t classes_;
};

py::tuple batch_tuple(const Batch& b) { return py::make_tuple(b.inputs, b.labels); }

}  // namespace

void init_data(py::module_& m) {
  using py::arg;
  py::class_<Dataset, std::shared_ptr<Dataset>>(m, "Dataset")
      .def("__len__", &Dataset::size)
      .def("get", [](const Dataset& d, const std::vector<int64_t>& idx) { return batch_tuple(d.get(idx)); },
           arg("indices"), "The examples at `indices`, stacked: (inputs, labels)")
      .def("__getitem__", [](const Dataset& d, int64_t i) {
        if (i < 0) i += d.size();
        if (i < 0 || i >= d.size()) throw py::index_error("dataset index out of range");
        Batch b = d.get({i});
        return py::make_tuple(squeeze(b.inputs, 0), squeeze(b.labels, 0));
      })
      .def_property_readonly("example_shape", [](const Dataset& d) { return shape_tuple(d.example_shape()); })
      .def_property_readonly("num_classes", &Dataset::num_classes);
  py::class_<data::ImageDataset, Dataset, std::shared_ptr<data::ImageDataset>>(m, "ImageDataset")
      .def("set_normalization", &data::ImageDataset::set_normalization, arg("mean"), arg("std"))
      .def("pixel_mean_std", &data::ImageDataset::pixel_mean_std)
      .def("take", &data::ImageDataset::take, arg("indices"))
      .def("set_num_classes", &data::ImageDataset::set_num_classes, arg("classes"))
      .def_property_readonly("labels", [](const data::ImageDataset& d) {
        return py::array_t<int64_t>(static_cast<py::ssize_t>(d.labels().size()), d.labels().data());
      });
  py::class_<TensorDataset, Dataset, std::shared_ptr<TensorDataset>>(m, "TensorDataset")
      .def(py::init<Tensor, Tensor, int64_t>(), arg("inputs"), arg("labels"), arg("num_classes") = 0);
  m.def(
      "load",
      [](const std::string& spec, uint64_t seed) {
        data::DataSplits d = data::load_data(spec, seed, /*progress=*/false);
        return py::make_tuple(d.train, d.test, d.class_names);
      },
      arg("spec"), arg("seed") = 1,
      "Train and test sets from a data spec as `tern train --data` takes (csv:FILE, npz:FILE, images:DIR, "
      "cifar10:DIR, idx:DIR, ...): (train, test, class_names)");
  m.def("fashion_mnist", &data::fashion_mnist, arg("dir"), arg("train"));
  m.def("idx_folder", &data::idx_folder, arg("dir"), arg("train"));
  m.def(
      "synthetic_images",
      [](int64_t n, std::vector<int64_t> shape, int64_t classes, uint64_t seed, uint64_t split) {
        return data::synthetic_images(n, shape, classes, seed, split);
      },
      arg("n"), arg("example_shape"), arg("classes"), arg("seed"), arg("split") = 0);

  py::class_<data::DataLoader>(m, "DataLoader")
      .def(py::init([](std::shared_ptr<Dataset> ds, int64_t batch_size, bool shuffle, bool drop_last, uint64_t seed,
                       int prefetch, int workers, int64_t crop_padding, bool random_flip, int rank, int world) {
             TERN_CHECK(ds != nullptr, "DataLoader: the dataset is None");
             data::LoaderOptions o;
             o.batch_size = batch_size;
             o.shuffle = shuffle;
             o.drop_last = drop_last;
             o.seed = seed;
             o.prefetch = prefetch;
             o.workers = workers;
             o.crop_padding = crop_padding;
             o.random_flip = random_flip;
             o.rank = rank;
             o.world = world;
             return std::make_unique<data::DataLoader>(ds, o);
           }),
           arg("dataset"), arg("batch_size") = 64, arg("shuffle") = true, arg("drop_last") = false, arg("seed") = 0,
           arg("prefetch") = 4, arg("workers") = 1, arg("crop_padding") = 0, arg("random_flip") = false,
           arg("rank") = 0, arg("world") = 1)
      .def("start_epoch", &data::DataLoader::start_epoch, arg("epoch"), py::call_guard<py::gil_scoped_release>())
      .def("next", [](data::DataLoader& l) -> py::object {
        std::optional<Batch> b;
        {
          py::gil_scoped_release nogil;
          b = l.next();
        }
        if (!b) return py::none();
        return batch_tuple(*b);
      })
      .def("__len__", &data::DataLoader::batches_per_epoch)
      .def_property_readonly("examples_per_epoch", &data::DataLoader::examples_per_epoch)
      .def_property_readonly("wait_seconds", &data::DataLoader::wait_seconds);
}

}  // namespace tern::python
