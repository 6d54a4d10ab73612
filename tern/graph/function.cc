#include "tern/graph/function.h"

#include <iostream>

#include "tern/autograd/grad_mode.h"
#include "tern/graph/state_snapshot.h"
#include "tern/graph/symbolic.h"
#include "tern/graph/verify.h"
#include "tern/ops/ops.h"

namespace tern::graph {

namespace {

std::string spec_str(const Shape& s) {
  std::string out = "[";
  for (size_t d = 0; d < s.size(); ++d) out += str_cat(d ? ", " : "", s[d] < 0 ? str_cat("s", -s[d] - 1) : str_cat(s[d]));
  return out + "]";
}


}  // namespace

std::string signature_key(const std::vector<Tensor>& args) {
  std::string key;
  for (const Tensor& a : args) key += str_cat(dtype_name(a.dtype()), shape_str(a.shape()), ";");
  return key;
}

Function::Function(StagedFn fn, std::optional<std::vector<ArgSpec>> signature, FunctionOptions options)
    : fn_(std::move(fn)), signature_(std::move(signature)), options_(std::move(options)),
      passes_(options_.optimize ? passes::PassManager::default_pipeline() : passes::PassManager()) {
  if (!signature_) return;
  for (const ArgSpec& s : *signature_)
    for (int64_t d : s.shape) num_symbols_ = std::max<int>(num_symbols_, d < 0 ? static_cast<int>(-d) : 0);
}

std::vector<int64_t> Function::check_signature(const std::vector<Tensor>& args) const {
  const auto& sig = *signature_;
  TERN_CHECK(args.size() == sig.size(), options_.name, ": signature has ", sig.size(), " arguments, the call passed ",
             args.size());
  std::vector<int64_t> symbols(static_cast<size_t>(num_symbols_), -1);
  for (size_t i = 0; i < args.size(); ++i) {
    const Tensor& a = args[i];
    TERN_CHECK(a.defined(), options_.name, ": argument ", i, " is an undefined tensor");
    TERN_CHECK(a.dtype() == sig[i].dtype, options_.name, ": argument ", i, " has dtype ", dtype_name(a.dtype()),
               " but the signature expects ", dtype_name(sig[i].dtype));
    bool ok = a.dim() == static_cast<int64_t>(sig[i].shape.size());
    for (size_t d = 0; ok && d < sig[i].shape.size(); ++d) {
      const int64_t want = sig[i].shape[d], got = a.shape()[d];
      if (want >= 0) {
        ok = want == got;
        continue;
      }
      int64_t& s = symbols[static_cast<size_t>(-want - 1)];
      TERN_CHECK(s < 0 || s == got, options_.name, ": argument ", i, " has shape ", shape_str(a.shape()),
                 " but the signature expects ", spec_str(sig[i].shape), " where symbolic dim s", -want - 1,
                 " is already ", s, " from an earlier argument");
      s = got;
    }
    TERN_CHECK(ok, options_.name, ": argument ", i, " has shape ", shape_str(a.shape()), " but the signature expects ",
               spec_str(sig[i].shape));
  }
  return symbols;
}

void Function::count_trace() {
  ++traces_;
  if (traces_ > options_.retrace_warning && !warned_) {
    warned_ = true;
    std::cerr << "tern: warning: staged function '" << options_.name << "' has been traced " << traces_
              << " times (once per new argument shape/dtype); pass a signature with -1 dims to reuse one graph\n";
  }
}

std::shared_ptr<Graph> Function::finish(Graph graph) {
  auto g = std::make_shared<Graph>(std::move(graph));
  passes_.run(*g);
  verify(*g);
  return g;
}

std::vector<Tensor> Function::trace_new(const std::vector<Tensor>& args, const std::vector<int64_t>& symbols) {
  count_trace();
  Trace t = trace(fn_, args);
  if (num_symbols_ > 0 && !poly_failed_) {
    std::string why;
    for (int64_t s : symbols)
      if (s < 1) why = "a symbolic dim is 0 at the first call";
    std::vector<std::vector<Trace>> probe_traces(static_cast<size_t>(num_symbols_));
    if (why.empty()) {
      // Probes run in the caller's grad mode (a function may take gradients
      // itself) and leave state and randomness as they were.
      const StateSnapshot state(t.graph);
      for (int j = 0; j < num_symbols_ && why.empty() && state.ok(); ++j)
        for (int64_t delta = 1; delta <= 2; ++delta) {
          std::vector<Tensor> grown;
          for (size_t i = 0; i < args.size(); ++i) {
            NoGradGuard no_grad;
            Tensor a = args[i].detach();
            for (size_t d = 0; d < (*signature_)[i].shape.size(); ++d)
              if ((*signature_)[i].shape[d] == -(j + 1)) a = grow_dim(a, static_cast<int64_t>(d), delta);
            grown.push_back(a);
          }
          ++probes_;
          try {
            probe_traces[static_cast<size_t>(j)].push_back(trace(fn_, grown));
          } catch (const Error& e) {
            why = str_cat("tracing at another size failed: ", e.what());
            break;
          }
        }
      state.restore();
      if (!state.ok()) why = "an op mutates a non-contiguous tensor";
    }
    if (why.empty()) {
      std::vector<std::vector<const Graph*>> probes;
      for (const auto& pj : probe_traces) probes.push_back({&pj[0].graph, &pj[1].graph});
      why = make_symbolic(t.graph, symbols, probes);
    }
    if (why.empty()) {
      std::vector<std::vector<int>> input_symbols;
      for (const ArgSpec& spec : *signature_) {
        input_symbols.emplace_back();
        for (int64_t d : spec.shape) input_symbols.back().push_back(d < 0 ? static_cast<int>(-d - 1) : -1);
      }
      t.graph.set_input_symbols(std::move(input_symbols));
      symbolic_ = std::make_unique<Executor>(finish(std::move(t.graph)));
      last_ = symbolic_->graph_ptr();
      return t.outputs;
    }
    poly_failed_ = true;
    std::cerr << "tern: warning: staged function '" << options_.name
              << "': one graph cannot serve all sizes of its symbolic dims (" << why
              << "); tracing once per concrete shape instead\n";
    for (Value& v : t.graph.values()) v.shape = v.example;  // drop partial symbolic marks
  }
  auto ex = std::make_unique<Executor>(finish(std::move(t.graph)));
  last_ = ex->graph_ptr();
  cache_[signature_key(args)] = std::move(ex);
  return t.outputs;
}

std::vector<Tensor> Function::operator()(const std::vector<Tensor>& args) {
  std::vector<int64_t> symbols;
  if (signature_) symbols = check_signature(args);
  if (symbolic_) {
    last_ = symbolic_->graph_ptr();
    last_backward_ = staged_backward("symbolic", *symbolic_, args, symbols);
    return last_backward_ ? last_backward_->call(args, symbols) : symbolic_->run(args, symbols);
  }
  last_backward_ = nullptr;
  for (const Tensor& a : args) TERN_CHECK(a.defined(), options_.name, ": an argument is an undefined tensor");
  const std::string key = signature_key(args);
  if (auto it = cache_.find(key); it != cache_.end()) {
    last_ = it->second->graph_ptr();
    last_backward_ = staged_backward(key, *it->second, args, {});
    return last_backward_ ? last_backward_->call(args) : it->second->run(args);
  }
  return trace_new(args, symbols);
}

StagedBackward* Function::staged_backward(const std::string& key, const Executor& ex, const std::vector<Tensor>& args,
                                          const std::vector<int64_t>& symbols) {
  if (!options_.stage_backward || !grad_enabled() || tracing_now()) return nullptr;
  // Which arguments and captures need gradients: part of the key, and none means no tape.
  std::string mask = key + "|";
  const auto note = [&mask](const Tensor& t) { mask += needs_grad(t) ? '1' : '0'; };
  for (const Tensor& a : args) note(a);
  for (int id : ex.captures()) note(ex.graph().values()[static_cast<size_t>(id)].captured);
  if (mask.find('1', key.size()) == std::string::npos) return nullptr;
  auto it = backward_.find(mask);
  if (it == backward_.end()) {
    std::unique_ptr<StagedBackward> sb;
    try {
      sb = std::make_unique<StagedBackward>(ex.graph(), args, symbols, passes_);
    } catch (const Error&) {
      // Not differentiable as a whole (see StagedBackward): record op by op.
    }
    it = backward_.emplace(mask, std::move(sb)).first;
  }
  return it->second.get();
}

Function function(StagedFn fn, FunctionOptions options) { return Function(std::move(fn), std::nullopt, std::move(options)); }

Function function(StagedFn fn, std::vector<ArgSpec> signature, FunctionOptions options) {
  return Function(std::move(fn), std::move(signature), std::move(options));
}

}  // namespace tern::graph
