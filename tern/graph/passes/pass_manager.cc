#include "tern/graph/passes/pass.h"

#include "tern/graph/passes/passes.h"
#include "tern/graph/verify.h"

namespace tern::graph::passes {

PassManager& PassManager::add(std::unique_ptr<Pass> pass) {
  passes_.push_back(std::move(pass));
  return *this;
}

std::vector<PassRecord> PassManager::run(Graph& g, int max_rounds) const {
  std::vector<PassRecord> log;
  for (int round = 0; round < max_rounds; ++round) {
    bool any = false;
    for (const auto& p : passes_) {
      PassRecord r{p->name(), false, g.nodes().size(), 0};
      r.changed = p->run(g);
      r.nodes_after = g.nodes().size();
      if (r.changed) {
        const std::string e = verify_error(g);
        if (!e.empty()) throw InternalError(str_cat("pass ", p->name(), " left a malformed graph: ", e));
      }
      any = any || r.changed;
      log.push_back(r);
    }
    if (!any) break;
  }
  return log;
}

std::vector<std::string> PassManager::names() const {
  std::vector<std::string> out;
  for (const auto& p : passes_) out.push_back(p->name());
  return out;
}

const PassRegistry& pass_registry() {
  static const PassRegistry r = [] {
    PassRegistry reg("pass");
    const auto entry = [&](const char* name, const char* help, auto make) {
      reg.add({name, help, {}, [make](const Args&) -> std::unique_ptr<Pass> { return make(); }});
    };
    entry("constant-folding", "runs nodes whose inputs are all constants once",
          [] { return std::make_unique<ConstantFolding>(); });
    entry("cse", "merges identical nodes", [] { return std::make_unique<CommonSubexpressionElimination>(); });
    entry("dce", "removes nodes no output depends on", [] { return std::make_unique<DeadCodeElimination>(); });
    entry("fusion-scheduling", "orders element-wise runs back to back for the executor's fusion",
          [] { return std::make_unique<FusionScheduling>(); });
    return reg;
  }();
  return r;
}

PassManager PassManager::from_names(const std::string& names) {
  PassManager pm;
  for (const std::string& n : split(names, ',')) pm.add(pass_registry().make(n, Args("pass argument ")));
  return pm;
}

PassManager PassManager::default_pipeline() { return from_names("constant-folding,cse,dce,fusion-scheduling"); }

std::vector<bool> mutated_values(const Graph& g) {
  std::vector<bool> m(g.values().size(), false);
  for (const Node& n : g.nodes())
    if (op_def(n.kind).mutates_inputs)
      for (int v : n.inputs)
        if (v >= 0) m[static_cast<size_t>(v)] = true;
  return m;
}

}  // namespace tern::graph::passes
