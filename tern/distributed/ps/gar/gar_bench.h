// The benchmark behind `tern bench gar`: time of one aggregation rule on n
// random gradients of d floats (Gaussian, so every rule does its full work).
#pragma once
#include <cstdint>
#include <string>

#include "tern/base/args.h"

namespace tern::distributed::ps::gar {

struct GarBenchOptions {
  std::string rule = "multi-krum";
  Args args = Args("aggregation argument ");  // the rule's own (m, theta, distances, ...)
  int n = 20;
  int f = 4;
  int64_t dim = 1000000;
  int iters = 10;
  int warmup = 2;
  int threads = 2;
  uint64_t seed = 1;
};

struct GarBenchResult {
  std::string rule;
  int n = 0, f = 0;
  int64_t dim = 0;
  int threads = 0;
  int iters = 0;
  double median_s = 0, min_s = 0;  // per aggregation
  double distances_median_s = 0;   // the pairwise-distance part alone (0 for rules without one)
};

// Throws ValueError for a bad rule, shape or option (one line).
GarBenchResult bench_gar(const GarBenchOptions& options);

}  // namespace tern::distributed::ps::gar
