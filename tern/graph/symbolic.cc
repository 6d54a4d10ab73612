#include "tern/graph/symbolic.h"

#include "tern/ops/ops.h"

namespace tern::graph {

namespace {

// Same structure, captures and non-integer attributes; "" if so.
std::string same_structure(const Graph& a, const Graph& b) {
  if (a.nodes().size() != b.nodes().size())
    return str_cat("the number of ops changes (", a.nodes().size(), " vs ", b.nodes().size(), ")");
  if (a.values().size() != b.values().size() || a.outputs() != b.outputs()) return "the graph's values change";
  for (size_t p = 0; p < a.nodes().size(); ++p) {
    const Node &x = a.nodes()[p], &y = b.nodes()[p];
    if (x.kind != y.kind || x.inputs != y.inputs || x.outputs != y.outputs)
      return str_cat("op ", p, " (", op_name(x.kind), ") changes");
    if (x.attrs.ints.size() != y.attrs.ints.size() || x.attrs.floats != y.attrs.floats || x.attrs.dtype != y.attrs.dtype)
      return str_cat("op ", p, " (", op_name(x.kind), ") has size-dependent non-integer attributes");
  }
  for (size_t v = 0; v < a.values().size(); ++v) {
    const Value &x = a.values()[v], &y = b.values()[v];
    if (x.kind != y.kind || x.dtype != y.dtype || x.example.size() != y.example.size())
      return str_cat("value %", v, " changes kind, dtype or rank");
    if (x.kind != ValueKind::capture) continue;
    if (!x.constant && !x.captured.same(y.captured)) return str_cat("captured tensor %", v, " differs");
    if (x.constant && !(x.captured.shape() == y.captured.shape() && allclose(x.captured, y.captured, 0, 0)))
      return str_cat("constant %", v, " depends on the sizes");
  }
  return "";
}

}  // namespace

std::string make_symbolic(Graph& g, const std::vector<int64_t>& s0, const std::vector<std::vector<const Graph*>>& probes) {
  const size_t ns = s0.size();
  for (const auto& pj : probes)
    for (const Graph* p : pj)
      if (std::string e = same_structure(g, *p); !e.empty()) return e;
  // Found for every node first, applied only if all attributes are affine.
  std::vector<std::vector<SymInt>> sym(g.nodes().size());
  for (size_t p = 0; p < g.nodes().size(); ++p) {
    const Node& n = g.nodes()[p];
    // A random op's seed and offset are redrawn per call, not sizes.
    const size_t nints = n.attrs.ints.size() - (is_random(n.kind) ? 2 : 0);
    for (size_t i = 0; i < nints; ++i) {
      const int64_t v0 = n.attrs.ints[i];
      SymInt s{static_cast<int>(i), v0, std::vector<int64_t>(ns, 0)};
      bool depends = false;
      for (size_t j = 0; j < ns; ++j) {
        const int64_t v1 = probes[j][0]->nodes()[p].attrs.ints[i], v2 = probes[j][1]->nodes()[p].attrs.ints[i];
        if (v2 - v0 != 2 * (v1 - v0))
          return str_cat("op ", p, " (", op_name(n.kind), ") attribute ", i, " is not affine in symbolic dim ", j,
                         " (", v0, ", ", v1, ", ", v2, ")");
        s.coeffs[j] = v1 - v0;
        s.offset -= s.coeffs[j] * s0[j];
        depends = depends || s.coeffs[j] != 0;
      }
      if (depends) sym[p].push_back(s);
    }
  }
  for (size_t p = 0; p < g.nodes().size(); ++p) g.nodes()[p].sym_ints = std::move(sym[p]);
  for (Value& v : g.values())
    for (size_t d = 0; d < v.example.size(); ++d)
      for (const auto& pj : probes)
        for (const Graph* p : pj)
          if (p->values()[static_cast<size_t>(v.id)].example[d] != v.example[d]) v.shape[d] = -1;
  g.set_symbol_examples(s0);
  return "";
}

Tensor grow_dim(const Tensor& x, int64_t d, int64_t delta) {
  const int64_t n = x.size(d);
  const Tensor last = slice(x, d, n - 1, n);
  std::vector<Tensor> parts{x};
  for (int64_t k = 0; k < delta; ++k) parts.push_back(last);
  return contiguous(cat(parts, d));
}

}  // namespace tern::graph
