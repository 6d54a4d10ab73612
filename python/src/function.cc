// tern.function's C++ half: a Python callable staged by graph::Function
// (TensorFlow Eager's multi-stage programming, Agrawal et al., SysML 2019).
//
// A call's arguments are split into tensors and everything else. The
// non-tensor values (ints, floats, strings, tuples, None, any hashable
// object) and the places the tensors sit in form the cache key, as in TF
// Eager: each distinct key gets its own graph::Function, which in turn keeps
// one graph per tensor (dtype, shape) signature. The Python body runs only
// while graph::Function traces, on this thread with the GIL held; a replay
// runs the staged graph in C++ without calling into Python.
//
// The GIL stays held for the whole call: the caches are not thread-safe, and
// holding it serialises callers. Python exceptions raised by the body reach
// the caller unchanged (pybind11's error_already_set crosses the tracer).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "python/src/bindings.h"
#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/graph/function.h"
#include "tern/graph/printer.h"

namespace tern::python {
namespace {

// Where a tensor sat in the arguments: the template holds this marker there.
struct TensorSlot {};

// Appends the tensors of `obj` (walking tuples and lists) to `tensors` and
// their places + the other values to `key`. With `tmpl`, also returns `obj`
// with each Tensor replaced by `slot` (the template the trace fills in); a
// cache hit skips building it. Non-tensor leaves must be hashable.
struct Splitter {
  const py::object& slot;
  const py::object& tuple_tag;
  const py::object& list_tag;
  std::vector<Tensor>& tensors;
  py::list& key;
  bool tmpl;
  std::string root;          // "args" or the keyword's name, for messages
  std::vector<size_t> path;  // indices below root, for messages

  py::object operator()(py::handle obj) {
    if (py::isinstance<Tensor>(obj)) {
      tensors.push_back(obj.cast<Tensor>());
      key.append(slot);
      return tmpl ? slot : py::object();
    }
    const bool is_tuple = PyTuple_Check(obj.ptr()), is_list = PyList_Check(obj.ptr());
    if (is_tuple || is_list) {
      const py::sequence seq = py::reinterpret_borrow<py::sequence>(obj);
      const size_t n = seq.size();
      key.append(is_tuple ? tuple_tag : list_tag);
      key.append(py::int_(n));
      py::list parts;
      for (size_t i = 0; i < n; ++i) {
        path.push_back(i);
        py::object p = (*this)(seq[i]);
        path.pop_back();
        if (tmpl) parts.append(p);
      }
      if (!tmpl) return py::object();
      return is_tuple ? py::object(py::tuple(parts)) : py::object(parts);
    }
    if (PyObject_Hash(obj.ptr()) == -1) {
      PyErr_Clear();
      std::string where = root;
      for (size_t i : path) where += str_cat("[", i, "]");
      throw py::type_error(str_cat("tern.function: argument ", where, " (",
                                   py::str(obj.get_type().attr("__name__")).cast<std::string>(),
                                   ") is not hashable; non-tensor arguments are part of the cache key and must be "
                                   "hashable (ints, floats, bools, strings, tuples), or pass it as a tensor"));
    }
    // The type is part of the key: 1, 1.0 and True are equal in Python but may trace differently.
    key.append(obj.get_type());
    key.append(obj);
    return tmpl ? py::reinterpret_borrow<py::object>(obj) : py::object();
  }
};

// The inverse of split: the template with its TensorSlots replaced in order.
py::object fill(py::handle tmpl, const py::object& slot, const std::vector<Tensor>& tensors, size_t& next) {
  if (tmpl.is(slot)) return py::cast(tensors.at(next++));
  if (py::isinstance<py::tuple>(tmpl) || py::isinstance<py::list>(tmpl)) {
    const py::sequence seq = py::reinterpret_borrow<py::sequence>(tmpl);
    py::list parts;
    for (size_t i = 0; i < seq.size(); ++i) parts.append(fill(seq[i], slot, tensors, next));
    return py::isinstance<py::tuple>(tmpl) ? py::object(py::tuple(parts)) : py::object(parts);
  }
  return py::reinterpret_borrow<py::object>(tmpl);
}

// One cache entry: the arguments' template for one non-tensor key.
struct Entry {
  py::object key_repr;  // for .signatures()
  py::tuple args_template;
  py::dict kwargs_template;
  enum Out { kTensor, kTuple, kList } out = kTensor;
  bool out_known = false;  // set by the first trace; later traces must agree (replays return this kind)
  std::unique_ptr<graph::Function> fn;
  std::vector<std::string> signatures;  // tensor signatures traced (graph::signature_key)
};

class PyFunction {
 public:
  PyFunction(py::function body, std::string name, bool optimize, bool stage_backward, int retrace_warning,
             std::optional<std::vector<std::pair<DType, std::vector<int64_t>>>> signature)
      : body_(std::move(body)), slot_(py::cast(TensorSlot{})), tuple_tag_(py::str("tuple")), list_tag_(py::str("list")) {
    options_.name = std::move(name);
    options_.optimize = optimize;
    options_.stage_backward = stage_backward;
    options_.retrace_warning = retrace_warning;
    if (signature) {
      signature_.emplace();
      for (const auto& [dtype, shape] : *signature) signature_->push_back(graph::ArgSpec{dtype, Dims(shape)});
    }
  }

  py::object call(const py::args& args, const py::kwargs& kwargs) {
    // Ops that release the GIL (in a trace, or a staged backward's build)
    // would let another Python thread into these caches: one caller at a
    // time. Recursive, for a body that calls its own function.
    std::unique_lock<std::recursive_mutex> lock(mu_, std::try_to_lock);
    if (!lock.owns_lock()) {
      py::gil_scoped_release nogil;
      lock.lock();
    }
    std::vector<Tensor> tensors;
    tensors.reserve(args.size());
    py::list key;
    Entry* e = nullptr;
    // Two passes only on a miss: the first builds the key alone (the common,
    // cached case), the second the templates as well.
    for (int pass = 0; pass < 2 && !e; ++pass) {
      const bool tmpl = pass == 1;
      if (tmpl) {
        tensors.clear();
        key = py::list();
      }
      Splitter split{slot_, tuple_tag_, list_tag_, tensors, key, tmpl, "args", {}};
      py::object tmpl_args = split(args);
      py::dict tmpl_kwargs;
      if (kwargs.size() > 0) {
        py::list names = py::list(kwargs.attr("keys")());
        names.attr("sort")();
        for (py::handle n : names) {
          key.append(n);
          split.root = n.cast<std::string>();
          py::object t = split(kwargs[n]);
          if (tmpl) tmpl_kwargs[n] = t;
        }
      }
      const py::tuple key_tuple(key);
      if (!tmpl) {
        if (PyObject* found = PyDict_GetItem(index_.ptr(), key_tuple.ptr()))
          e = entries_.at(py::handle(found).cast<size_t>()).get();
      } else {
        e = add_entry(key_tuple, tmpl_args, tmpl_kwargs);
      }
    }
    const size_t cached = e->fn->cache_size();
    const int64_t traced = e->fn->trace_count();
    last_ = e;
    std::vector<Tensor> out = (*e->fn)(tensors);
    if (e->fn->cache_size() != cached || e->fn->trace_count() != traced)
      e->signatures.push_back(graph::signature_key(tensors));
    if (e->out == Entry::kTensor) return py::cast(out.at(0));
    py::tuple t = py::cast(out);
    return e->out == Entry::kTuple ? py::object(t) : py::object(py::list(t));
  }

  int64_t traces() const {
    int64_t n = 0;
    for (const auto& e : entries_) n += e->fn->trace_count();
    return n;
  }
  int64_t probes() const {
    int64_t n = 0;
    for (const auto& e : entries_) n += e->fn->probe_count();
    return n;
  }
  size_t cache_size() const {
    size_t n = 0;
    for (const auto& e : entries_) n += e->fn->cache_size();
    return n;
  }
  // One (non-tensor key, tensor signature) pair per traced graph.
  py::list signatures() const {
    py::list out;
    for (const auto& e : entries_)
      for (const std::string& s : e->signatures) out.append(py::make_tuple(e->key_repr, s));
    return out;
  }
  std::string graph_text(bool backward) const {
    TERN_CHECK(last_ && last_->fn->last_graph(), "tern.function '", options_.name, "' has not been called yet");
    if (!backward) return graph::to_text(*last_->fn->last_graph());
    const graph::StagedBackward* b = last_->fn->last_backward();
    TERN_CHECK(b, "tern.function '", options_.name,
               "': the last call recorded no staged backward (no argument or parameter needed gradients, or the "
               "graph is recorded op by op)");
    return str_cat("// forward (returns outputs ++ saved values)\n", graph::to_text(b->forward_graph()),
                   "\n// backward (output gradients ++ saved values -> gradients)\n", graph::to_text(b->backward_graph()));
  }
  size_t num_nodes() const {
    TERN_CHECK(last_ && last_->fn->last_graph(), "tern.function '", options_.name, "' has not been called yet");
    return last_->fn->last_graph()->nodes().size();
  }

 private:
  Entry* add_entry(const py::tuple& key, const py::object& tmpl_args, const py::dict& tmpl_kwargs) {
    auto e = std::make_unique<Entry>();
    Entry* raw = e.get();
    e->args_template = tmpl_args.cast<py::tuple>();
    e->kwargs_template = tmpl_kwargs;
    // What the key shows: the call with tensors written as "Tensor".
    e->key_repr = py::str(fill_repr(tmpl_args, tmpl_kwargs));
    // Called by graph::Function only while tracing; we hold the GIL (call() runs with it).
    e->fn = std::make_unique<graph::Function>(
        [this, raw](const std::vector<Tensor>& ts) {
          size_t next = 0;
          const py::object a = fill(raw->args_template, slot_, ts, next);
          py::dict kw;
          for (auto item : raw->kwargs_template) kw[item.first] = fill(item.second, slot_, ts, next);
          const py::object r = body_(*a, **kw);
          return outputs(r, raw);
        },
        signature_, options_);
    index_[key] = py::cast(entries_.size());
    entries_.push_back(std::move(e));
    return raw;
  }

  std::string fill_repr(const py::object& tmpl_args, const py::dict& tmpl_kwargs) const {
    std::vector<std::string> parts;
    const auto show = [&](auto&& self, py::handle h) -> std::string {
      if (h.is(slot_)) return "Tensor";
      if (py::isinstance<py::tuple>(h) || py::isinstance<py::list>(h)) {
        const bool tup = py::isinstance<py::tuple>(h);
        std::string s = tup ? "(" : "[";
        const py::sequence seq = py::reinterpret_borrow<py::sequence>(h);
        for (size_t i = 0; i < seq.size(); ++i) s += (i ? ", " : "") + self(self, seq[i]);
        if (tup && seq.size() == 1) s += ",";
        return s + (tup ? ")" : "]");
      }
      return py::repr(h).cast<std::string>();
    };
    for (py::handle a : tmpl_args) parts.push_back(show(show, a));
    for (auto item : tmpl_kwargs) parts.push_back(item.first.cast<std::string>() + "=" + show(show, item.second));
    std::string s = "(";
    for (size_t i = 0; i < parts.size(); ++i) s += (i ? ", " : "") + parts[i];
    return s + ")";
  }

  // The body's result as the list graph::Function stages: a tensor, or a
  // tuple / list of tensors (remembered, so replays return the same kind).
  std::vector<Tensor> outputs(const py::object& r, Entry* e) const {
    const auto set_kind = [&](Entry::Out kind) {
      if (e->out_known && e->out != kind)
        throw py::type_error(str_cat("tern.function '", options_.name, "' returned a ", kind_name(kind),
                                     " for these argument shapes but a ", kind_name(e->out),
                                     " for others with the same non-tensor arguments; return one kind"));
      e->out = kind;
      e->out_known = true;
    };
    if (py::isinstance<Tensor>(r)) {
      set_kind(Entry::kTensor);
      return {r.cast<Tensor>()};
    }
    if (py::isinstance<py::tuple>(r) || py::isinstance<py::list>(r)) {
      std::vector<Tensor> out;
      for (py::handle h : r) {
        if (!py::isinstance<Tensor>(h))
          throw py::type_error(str_cat("tern.function '", options_.name, "' must return a Tensor or a tuple/list of "
                                       "Tensors; element ", out.size(), " is ",
                                       py::str(h.get_type().attr("__name__")).cast<std::string>()));
        out.push_back(h.cast<Tensor>());
      }
      set_kind(py::isinstance<py::tuple>(r) ? Entry::kTuple : Entry::kList);
      return out;
    }
    throw py::type_error(str_cat("tern.function '", options_.name,
                                 "' must return a Tensor or a tuple/list of Tensors, got ",
                                 py::str(r.get_type().attr("__name__")).cast<std::string>()));
  }

  static const char* kind_name(Entry::Out k) {
    return k == Entry::kTensor ? "Tensor" : k == Entry::kTuple ? "tuple" : "list";
  }

  std::recursive_mutex mu_;
  py::function body_;
  py::object slot_, tuple_tag_, list_tag_;
  graph::FunctionOptions options_;
  // One (dtype, shape) per tensor argument, in the order they are found; a
  // dim -k is symbolic dim k (graph::function's signature): one graph for all sizes.
  std::optional<std::vector<graph::ArgSpec>> signature_;
  py::dict index_;  // key tuple -> position in entries_
  std::vector<std::unique_ptr<Entry>> entries_;
  Entry* last_ = nullptr;
};

}  // namespace

void init_function(py::module_& m) {
  using py::arg;
  py::class_<TensorSlot>(m, "_TensorSlot");
  py::class_<PyFunction>(m, "StagedFunction", py::dynamic_attr())
      .def(py::init<py::function, std::string, bool, bool, int,
                    std::optional<std::vector<std::pair<DType, std::vector<int64_t>>>>>(), arg("body"), arg("name") = "function",
           arg("optimize") = true, arg("stage_backward") = true, arg("retrace_warning") = 5,
           arg("signature") = py::none())
      .def("__call__", &PyFunction::call)
      .def_property_readonly("traces", &PyFunction::traces)
      .def_property_readonly("probes", &PyFunction::probes)
      .def_property_readonly("cache_size", &PyFunction::cache_size)
      .def("signatures", &PyFunction::signatures)
      .def("graph_text", &PyFunction::graph_text, arg("backward") = false)
      .def("num_nodes", &PyFunction::num_nodes);
  m.def("set_num_threads", &set_num_threads, arg("n"));
  m.def("num_threads", &num_threads);
}

}  // namespace tern::python
