#include "tern/dv/sketch.h"

#include <algorithm>
#include <cmath>

#include "tern/base/error.h"

namespace tern::dv {

void QuantileSketch::add(double v, int64_t weight) {
  // A weight is split into its binary digits: bit l lands on level l.
  n_ += weight;
  for (size_t level = 0; weight > 0; ++level, weight >>= 1) {
    if (!(weight & 1)) continue;
    if (levels_.size() <= level) levels_.resize(level + 1);
    levels_[level].push_back(v);
    if (static_cast<int>(levels_[level].size()) >= k_) compact(level);
  }
}

void QuantileSketch::compact(size_t level) {
  if (levels_.size() <= level + 1) levels_.resize(level + 2);  // before taking references
  auto& cur = levels_[level];
  auto& up = levels_[level + 1];
  std::sort(cur.begin(), cur.end());
  const size_t offset = (flips_++) & 1;
  const size_t even = cur.size() & ~size_t{1};
  for (size_t i = offset; i < even; i += 2) up.push_back(cur[i]);
  // An odd item out stays on this level.
  if (cur.size() > even) {
    const double last = cur.back();
    cur.clear();
    cur.push_back(last);
  } else {
    cur.clear();
  }
  if (static_cast<int>(levels_[level + 1].size()) >= k_) compact(level + 1);
}

void QuantileSketch::merge(const QuantileSketch& other) {
  if (levels_.size() < other.levels_.size()) levels_.resize(other.levels_.size());
  for (size_t l = 0; l < other.levels_.size(); ++l)
    levels_[l].insert(levels_[l].end(), other.levels_[l].begin(), other.levels_[l].end());
  n_ += other.n_;
  for (size_t l = 0; l < levels_.size(); ++l)
    if (static_cast<int>(levels_[l].size()) >= k_) compact(l);
}

std::vector<std::pair<double, int64_t>> QuantileSketch::items() const {
  std::vector<std::pair<double, int64_t>> out;
  for (size_t l = 0; l < levels_.size(); ++l)
    for (double v : levels_[l]) out.emplace_back(v, int64_t{1} << l);
  std::sort(out.begin(), out.end());
  return out;
}

double QuantileSketch::quantile(double q) const {
  const auto all = items();
  TERN_ASSERT(!all.empty(), "quantile of an empty sketch");
  int64_t total = 0;
  for (const auto& it : all) total += it.second;
  const double target = q * static_cast<double>(total);
  int64_t seen = 0;
  for (const auto& it : all) {
    seen += it.second;
    if (static_cast<double>(seen) >= target) return it.first;
  }
  return all.back().first;
}

void TopK::add(std::string_view s, int64_t count) {
  auto it = counts_.find(std::string(s));
  if (it != counts_.end()) it->second += count;
  else counts_.emplace(std::string(s), count);
  if (static_cast<int>(counts_.size()) > 2 * k_) prune();
}

void TopK::prune() {
  // Subtract the (k+1)-th largest count from all: the classic Misra-Gries
  // decrement done in one batch.
  std::vector<int64_t> c;
  c.reserve(counts_.size());
  for (const auto& kv : counts_) c.push_back(kv.second);
  std::nth_element(c.begin(), c.begin() + k_, c.end(), std::greater<>());
  const int64_t cut = c[static_cast<size_t>(k_)];
  error_ += cut;
  for (auto it = counts_.begin(); it != counts_.end();) {
    it->second -= cut;
    if (it->second <= 0) it = counts_.erase(it);
    else ++it;
  }
}

void TopK::merge(const TopK& other) {
  for (const auto& kv : other.counts_) {
    counts_[kv.first] += kv.second;
  }
  error_ += other.error_;
  if (static_cast<int>(counts_.size()) > 2 * k_) prune();
}

std::vector<std::pair<std::string, int64_t>> TopK::top() const {
  std::vector<std::pair<std::string, int64_t>> out(counts_.begin(), counts_.end());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return out;
}

uint64_t HyperLogLog::hash(std::string_view s) {
  // FNV-1a, then the splitmix64 finalizer to spread the bits.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

void HyperLogLog::add_hash(uint64_t h) {
  const uint64_t idx = h >> (64 - kBits);
  const uint64_t rest = (h << kBits) | (uint64_t{1} << (kBits - 1));  // guard bit bounds the rank
  const uint8_t rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  if (rank > registers_[idx]) registers_[idx] = rank;
}

void HyperLogLog::merge(const HyperLogLog& other) {
  for (int i = 0; i < kRegisters; ++i) registers_[i] = std::max(registers_[i], other.registers_[i]);
}

double HyperLogLog::estimate() const {
  const double m = kRegisters;
  double sum = 0;
  int zeros = 0;
  for (uint8_t r : registers_) {
    sum += std::ldexp(1.0, -r);
    if (r == 0) ++zeros;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  const double e = alpha * m * m / sum;
  if (e <= 2.5 * m && zeros > 0) return m * std::log(m / zeros);  // linear counting for small sets
  return e;
}

}  // namespace tern::dv
