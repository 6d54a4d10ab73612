// Bounded-memory summaries used once a feature has too many distinct values
// to count exactly. All of them merge, so each thread summarises its own
// blocks and the results are combined at the end.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tern::dv {

// A compactor quantile sketch in the style of KLL/MRL: level l holds items of
// weight 2^l; a full level is sorted and every other item moves up. Memory is
// O(k log(n/k)); the rank error is roughly log2(n/k)/k of n.
class QuantileSketch {
 public:
  explicit QuantileSketch(int k = 512) : k_(k) {}
  void add(double v, int64_t weight = 1);
  void merge(const QuantileSketch& other);
  int64_t count() const { return n_; }
  // The value at rank fraction q in [0, 1] (n_ must be > 0).
  double quantile(double q) const;
  // All retained (value, weight) pairs, sorted by value.
  std::vector<std::pair<double, int64_t>> items() const;

 private:
  void compact(size_t level);
  int k_;
  int64_t n_ = 0;
  uint64_t flips_ = 0;  // alternates which half survives, deterministically
  std::vector<std::vector<double>> levels_;
};

// Misra-Gries heavy hitters: keeps at most 2k counters; each estimated count
// is low by at most error().
class TopK {
 public:
  explicit TopK(int k = 1000) : k_(k) {}
  void add(std::string_view s, int64_t count = 1);
  void merge(const TopK& other);
  int64_t error() const { return error_; }
  // Counters sorted by decreasing count (ties by value).
  std::vector<std::pair<std::string, int64_t>> top() const;

 private:
  void prune();
  int k_;
  int64_t error_ = 0;
  std::unordered_map<std::string, int64_t> counts_;
};

// HyperLogLog distinct counter with 2^12 registers (about 1.6% error).
class HyperLogLog {
 public:
  HyperLogLog() : registers_(kRegisters, 0) {}
  void add_hash(uint64_t h);
  void add(std::string_view s) { add_hash(hash(s)); }
  void merge(const HyperLogLog& other);
  double estimate() const;
  static uint64_t hash(std::string_view s);

 private:
  static constexpr int kBits = 12;
  static constexpr int kRegisters = 1 << kBits;
  std::vector<uint8_t> registers_;
};

}  // namespace tern::dv
