// The aggregation rules by name (tern/base/registry.h).
#include <algorithm>
#include <memory>

#include "tern/base/error.h"
#include "tern/distributed/ps/gar/gar.h"

namespace tern::distributed::ps::gar {
namespace {

DistanceMethod read_method(const Args& a) {
  return a.get_choice("distances", "direct", {"direct", "gemm"}) == "gemm" ? DistanceMethod::kGemm
                                                                          : DistanceMethod::kDirect;
}

// theta: "paper" (n-2f, El Mhamdi et al.), "aggregathor" (n-2f-2, the
// reference code's choice) or a number.
int read_theta(const Args& a, RuleShape s) {
  const std::string t = a.get_string("theta", "paper");
  if (t == "paper") return s.n - 2 * s.f;
  if (t == "aggregathor") return s.n - 2 * s.f - 2;
  return static_cast<int>(parse_int(t, a.spell("theta") + " (paper, aggregathor or a count)", {.min = 1, .max = 1 << 20}));
}

std::vector<Registry::Entry> base_rules() {
  std::vector<Registry::Entry> r;
  r.push_back({"mean", "element-wise mean (not robust: one NaN gradient poisons it)", {},
               [](const Args&, RuleShape s) -> std::unique_ptr<Rule> { return std::make_unique<Mean>(s); }});
  r.push_back({"median", "coordinate-wise median; n >= 2f+1", {},
               [](const Args&, RuleShape s) -> std::unique_ptr<Rule> { return std::make_unique<Median>(s); }});
  r.push_back({"trimmed-mean", "coordinate-wise mean without the f largest and f smallest values; n >= 2f+1", {},
               [](const Args&, RuleShape s) -> std::unique_ptr<Rule> { return std::make_unique<TrimmedMean>(s); }});
  r.push_back({"krum", "the gradient closest to its n-f-2 nearest neighbours (Blanchard et al. 2017); n >= 2f+3",
               {{"distances", "direct or gemm", "direct"}},
               [](const Args& a, RuleShape s) -> std::unique_ptr<Rule> {
                 return std::make_unique<MultiKrum>(s, 1, read_method(a), true);
               }});
  r.push_back({"multi-krum", "mean of the m lowest Krum scores (AggregaThor); n >= 2f+3",
               {{"m", "gradients averaged (default n-f-2)", "n-f-2", false, false, "INT"},
                {"distances", "direct or gemm", "direct"}},
               [](const Args& a, RuleShape s) -> std::unique_ptr<Rule> {
                 const int m = static_cast<int>(a.get_int("m", s.n - s.f - 2, {.min = 1, .max = 1 << 20}));
                 return std::make_unique<MultiKrum>(s, m, read_method(a), false);
               }});
  r.push_back({"bulyan",
               "repeated Krum selects theta gradients, then per coordinate the mean of the theta-2f closest to the "
               "median (El Mhamdi et al. 2018); n >= 4f+3",
               {{"theta", "paper (n-2f), aggregathor (n-2f-2) or a count", "paper"},
                {"distances", "direct or gemm", "direct"}},
               [](const Args& a, RuleShape s) -> std::unique_ptr<Rule> {
                 const int theta = read_theta(a, s);
                 return std::make_unique<Bulyan>(s, theta, read_method(a));
               }});
  r.push_back({"cclip",
               "centered clipping (Karimireddy et al. 2021): iterate v += mean((x_i - v) min(1, tau/|x_i - v|)) from "
               "the previous output",
               {{"tau", "clipping radius", "1", false, false, "FLOAT"},
                {"iters", "clipping iterations per round", "1", false, false, "INT"}},
               [](const Args& a, RuleShape s) -> std::unique_ptr<Rule> {
                 const double tau = a.get_double("tau", 1.0, {.min = 0, .min_exclusive = true});
                 const int iters = static_cast<int>(a.get_int("iters", 1, {.min = 1, .max = 1000}));
                 return std::make_unique<CenteredClipping>(s, tau, iters);
               }});
  return r;
}

}  // namespace

const Registry& registry() {
  static const Registry r = [] {
    Registry reg("aggregation rule");
    const std::vector<Registry::Entry> base = base_rules();
    for (const auto& e : base) reg.add(e);
    // Nearest-neighbour mixing before every robust rule.
    for (const auto& e : base) {
      if (e.name == "mean") continue;
      Registry::Entry mixed = e;
      mixed.name = "nnm-" + e.name;
      mixed.help = "nearest-neighbour mixing (Allouah et al. 2023: each gradient replaced by the mean of its n-f "
                   "nearest), then " + e.name;
      const bool has_distances = std::any_of(e.args.begin(), e.args.end(), [](const ArgDoc& d) { return d.key == "distances"; });
      if (!has_distances) mixed.args.push_back({"distances", "direct or gemm", "direct"});
      mixed.make = [inner = e.make](const Args& a, RuleShape s) -> std::unique_ptr<Rule> {
        const DistanceMethod method = read_method(a);
        return std::make_unique<NearestNeighbourMixing>(s, inner(a, s), method);
      };
      reg.add(mixed);
    }
    return reg;
  }();
  return r;
}

std::unique_ptr<Rule> make_rule(const std::string& name, const Args& args, RuleShape shape) {
  return registry().make(name, args, shape);
}

}  // namespace tern::distributed::ps::gar
