// Distances between two datasets' distributions of one feature, as TFDV's
// skew and drift comparators use them:
//  - L-infinity: the largest difference in the fraction of examples taking
//    any one value (categorical view);
//  - Jensen-Shannon divergence (base 2, so in [0, 1]) between histograms
//    over common equal-width buckets spanning both datasets' ranges
//    (numeric view); for BYTES features, between value frequencies.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tern/dv/stats.h"

namespace tern::dv {

// Both take unnormalised weights; each side is normalised to sum 1.
double linf_distance(const std::map<std::string, double>& p, const std::map<std::string, double>& q);
double jensen_shannon(const std::vector<double>& p, const std::vector<double>& q);

// Value -> count for a feature (strings, or numbers as format_number text).
// Exact when the stats are exact; otherwise the heaviest values.
std::map<std::string, double> value_counts(const FeatureStats& f);

// Counts of the feature's numeric values in `buckets` equal-width buckets over
// [lo, hi]: bucket i holds lo + i*w <= v < lo + (i+1)*w, the last also v = hi.
// Exact from exact stats; otherwise interpolated from the quantiles.
std::vector<double> rebin(const FeatureStats& f, double lo, double hi, int buckets);

double feature_linf(const FeatureStats& a, const FeatureStats& b);
double feature_jensen_shannon(const FeatureStats& a, const FeatureStats& b, int buckets = kHistogramBuckets);

}  // namespace tern::dv
