// Checked parsing of numbers and lists from text: flags, key=value
// arguments, fields of files. Every function reads the WHOLE text (no
// trailing garbage, no leading spaces), rejects NaN and infinities, checks
// the stated bounds, and throws tern::ValueError with one line that names
// the value (`what`, e.g. "--servers" or "codec argument s"), says what was
// expected and quotes what was given (escaped, so raw bytes of a file never
// reach the terminal):
//
//   parse_int("-1", "--servers", {.min = 1})
//     -> ValueError "--servers: expected an integer >= 1, given '-1'"
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace tern {

struct IntRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};

struct RealRange {
  double min = -std::numeric_limits<double>::max();
  double max = std::numeric_limits<double>::max();
  bool min_exclusive = false;  // (min, ...] instead of [min, ...]
};

int64_t parse_int(std::string_view text, std::string_view what, IntRange range = {});
// Finite always.
double parse_double(std::string_view text, std::string_view what, RealRange range = {});
// 1/0, true/false, on/off, yes/no.
bool parse_bool(std::string_view text, std::string_view what);
// A byte count with an optional binary suffix: 4096, 64K, 16M, 1G (K = 1024).
int64_t parse_size(std::string_view text, std::string_view what, IntRange range = {0});

// "a,b,,c" -> {"a", "b", "", "c"}; "" -> {""}.
std::vector<std::string> split(std::string_view text, char sep);

// The text between single quotes with \n, \t, \\, \' and every other byte
// outside printable ASCII written as \xHH (so a NUL or an escape code in a
// file cannot truncate or recolour an error message). Long texts are cut
// to `max_chars` with "..." appended.
std::string quote(std::string_view text, size_t max_chars = 80);

// What a range accepts, e.g. "an integer >= 1", "a number in (0, 1]".
std::string describe(IntRange range);
std::string describe(RealRange range);

}  // namespace tern
