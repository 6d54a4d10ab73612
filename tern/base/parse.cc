#include "tern/base/parse.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tern/base/error.h"

namespace tern {

namespace {

constexpr int64_t kIntMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();
constexpr double kRealMax = std::numeric_limits<double>::max();

[[noreturn]] void fail(std::string_view what, const std::string& expected, std::string_view given) {
  TERN_FAIL(what, ": expected ", expected, ", given ", quote(given));
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

std::string describe(IntRange r) {
  if (r.min == kIntMin && r.max == kIntMax) return "an integer";
  if (r.max == kIntMax) return str_cat("an integer >= ", r.min);
  if (r.min == kIntMin) return str_cat("an integer <= ", r.max);
  return str_cat("an integer in [", r.min, ", ", r.max, "]");
}

std::string describe(RealRange r) {
  const bool low = r.min > -kRealMax || r.min_exclusive, high = r.max < kRealMax;
  if (!low && !high) return "a finite number";
  if (!high) return str_cat("a number ", r.min_exclusive ? "> " : ">= ", number(r.min));
  if (!low) return str_cat("a number <= ", number(r.max));
  return str_cat("a number in ", r.min_exclusive ? "(" : "[", number(r.min), ", ", number(r.max), "]");
}

int64_t parse_int(std::string_view text, std::string_view what, IntRange range) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  // from_chars takes no '+'; accept it as people write "+5" in configs.
  const char* begin = !text.empty() && text[0] == '+' ? text.data() + 1 : text.data();
  auto [p, ec] = std::from_chars(begin, end, v);
  if (text.empty() || ec != std::errc() || p != end || (begin != text.data() && *begin == '-'))
    fail(what, describe(range), text);
  if (v < range.min || v > range.max) fail(what, describe(range), text);
  return v;
}

double parse_double(std::string_view text, std::string_view what, RealRange range) {
  // strtod wants a terminated string; numbers are short.
  const std::string s(text);
  char* end = nullptr;
  const double v = s.empty() || std::isspace(static_cast<unsigned char>(s[0])) ? NAN : std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) fail(what, describe(range), text);
  const bool below = range.min_exclusive ? v <= range.min : v < range.min;
  if (below || v > range.max) fail(what, describe(range), text);
  return v;
}

bool parse_bool(std::string_view text, std::string_view what) {
  if (text == "1" || text == "true" || text == "on" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "off" || text == "no") return false;
  fail(what, "0/1/true/false/on/off/yes/no", text);
}

int64_t parse_size(std::string_view text, std::string_view what, IntRange range) {
  std::string_view digits = text;
  int shift = 0;
  if (!digits.empty() && (digits.back() == 'B' || digits.back() == 'b')) digits.remove_suffix(1);
  if (!digits.empty()) {
    switch (digits.back()) {
      case 'K': case 'k': shift = 10; break;
      case 'M': case 'm': shift = 20; break;
      case 'G': case 'g': shift = 30; break;
      default: break;
    }
    if (shift) digits.remove_suffix(1);
  }
  const std::string expected = describe(range) + " of bytes (suffixes K, M, G)";
  int64_t v = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || v < 0) fail(what, expected, text);
  if (shift && v > (kIntMax >> shift)) fail(what, expected, text);
  v <<= shift;
  if (v < range.min || v > range.max) fail(what, expected, text);
  return v;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

std::string quote(std::string_view text, size_t max_chars) {
  std::string out = "'";
  size_t shown = 0;
  for (unsigned char c : text) {
    if (shown++ == max_chars) {
      out += "...";
      break;
    }
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else {
          char buf[5];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  return out + "'";
}

}  // namespace tern
