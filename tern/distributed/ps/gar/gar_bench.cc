#include "tern/distributed/ps/gar/gar_bench.h"

#include <algorithm>
#include <vector>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/base/philox.h"
#include "tern/base/timer.h"
#include "tern/distributed/ps/gar/gar.h"

namespace tern::distributed::ps::gar {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

GarBenchResult bench_gar(const GarBenchOptions& o) {
  TERN_CHECK(o.n >= 1 && o.n <= 10000, "--n must be in [1, 10000], got ", o.n);
  TERN_CHECK(o.dim >= 1 && o.dim <= (int64_t{1} << 28), "--dim must be in [1, 2^28], got ", o.dim);
  TERN_CHECK(static_cast<double>(o.n) * static_cast<double>(o.dim) <= 4e9 / 4,
             "--n x --dim must fit in 4 GB of float32, got ", o.n, " x ", o.dim);
  TERN_CHECK(o.iters >= 1 && o.warmup >= 0, "--iters must be >= 1 and --warmup >= 0");
  if (o.threads != 0) set_num_threads(o.threads);
  auto rule = make_rule(o.rule, o.args, {o.n, o.f});
  const bool has_distances = o.rule != "mean" && o.rule != "median" && o.rule != "trimmed-mean" && o.rule != "cclip";
  const DistanceMethod method =
      o.args.get_string("distances", "direct") == "gemm" ? DistanceMethod::kGemm : DistanceMethod::kDirect;

  // Gradients around a common mean, as honest workers' would be.
  std::vector<std::vector<float>> data(o.n, std::vector<float>(o.dim));
  parallel_for(o.n, 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      for (int64_t k = 0; k < o.dim; ++k)
        data[i][k] = Philox::uniform(o.seed, k) + 0.5f * (Philox::uniform(o.seed + 1 + i, k) - 0.5f);
  });
  std::vector<std::span<const float>> rows(data.begin(), data.end());
  std::vector<float> out(o.dim);

  std::vector<double> times, dist_times;
  for (int it = 0; it < o.warmup + o.iters; ++it) {
    Timer t;
    rule->aggregate(rows, out);
    const double s = t.seconds();
    double ds = 0;
    if (has_distances) {
      Timer td;
      (void)pairwise_sq_distances(rows, method);
      ds = td.seconds();
    }
    if (it < o.warmup) continue;
    times.push_back(s);
    dist_times.push_back(ds);
  }
  GarBenchResult r;
  r.rule = rule->name();
  r.n = o.n;
  r.f = o.f;
  r.dim = o.dim;
  r.threads = num_threads();
  r.iters = o.iters;
  r.median_s = median(times);
  r.min_s = *std::min_element(times.begin(), times.end());
  r.distances_median_s = median(dist_times);
  return r;
}

}  // namespace tern::distributed::ps::gar
