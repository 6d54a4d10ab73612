// Shapes and strides: small vectors of int64_t, inline for up to 6 dims so
// that creating a tensor does not allocate for its metadata.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

#include "tern/base/error.h"

namespace tern {

class Dims {
 public:
  static constexpr int kInline = 6;
  Dims() = default;
  Dims(std::initializer_list<int64_t> v) { assign(v.begin(), v.end()); }
  Dims(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: implicit by design
  Dims(size_t n, int64_t value) { resize(n, value); }
  template <typename It>
    requires(!std::is_integral_v<It>)
  Dims(It first, It last) {
    assign(first, last);
  }
  Dims(const Dims& o) { assign(o.begin(), o.end()); }
  Dims& operator=(const Dims& o) {
    if (this != &o) assign(o.begin(), o.end());
    return *this;
  }
  ~Dims() = default;

  template <typename It>
  void assign(It first, It last) {
    size_ = 0;
    heap_.clear();
    const size_t n = static_cast<size_t>(std::distance(first, last));
    if (n > kInline) heap_.assign(first, last);
    else std::copy(first, last, inline_);
    size_ = n;
  }
  void resize(size_t n, int64_t value = 0) {
    std::vector<int64_t> tmp(begin(), end());
    tmp.resize(n, value);
    assign(tmp.begin(), tmp.end());
  }
  void push_back(int64_t v) {
    if (size_ < kInline && heap_.empty()) {
      inline_[size_++] = v;
    } else {
      if (heap_.empty()) heap_.assign(inline_, inline_ + size_);
      heap_.push_back(v);
      ++size_;
    }
  }
  void insert(size_t pos, int64_t v) {
    std::vector<int64_t> tmp(begin(), end());
    tmp.insert(tmp.begin() + pos, v);
    assign(tmp.begin(), tmp.end());
  }
  void erase(size_t pos) {
    std::vector<int64_t> tmp(begin(), end());
    tmp.erase(tmp.begin() + pos);
    assign(tmp.begin(), tmp.end());
  }

  int64_t* data() { return heap_.empty() ? inline_ : heap_.data(); }
  const int64_t* data() const { return heap_.empty() ? inline_ : heap_.data(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  int64_t& operator[](size_t i) { return data()[i]; }
  int64_t operator[](size_t i) const { return data()[i]; }
  int64_t* begin() { return data(); }
  int64_t* end() { return data() + size_; }
  const int64_t* begin() const { return data(); }
  const int64_t* end() const { return data() + size_; }
  int64_t back() const { return data()[size_ - 1]; }
  std::vector<int64_t> vec() const { return {begin(), end()}; }
  bool operator==(const Dims& o) const { return size_ == o.size_ && std::equal(begin(), end(), o.begin()); }

 private:
  int64_t inline_[kInline] = {};
  std::vector<int64_t> heap_;
  size_t size_ = 0;
};

using Shape = Dims;

inline int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

inline Dims contiguous_strides(const Shape& s) {
  Dims st(s.size(), 1);
  int64_t acc = 1;
  for (int i = static_cast<int>(s.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

// "[2, 3, 4]"
std::string shape_str(const Shape& s);

// Wraps a possibly negative dim into [0, ndim); throws IndexError otherwise.
inline int64_t wrap_dim(int64_t dim, int64_t ndim) {
  const int64_t d = dim < 0 ? dim + ndim : dim;
  TERN_CHECK_INDEX(d >= 0 && d < std::max<int64_t>(ndim, 1), "dimension ", dim,
                   " out of range for a tensor with ", ndim, " dims");
  return d;
}

// The broadcast of two shapes (numpy rules); throws naming both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace tern
