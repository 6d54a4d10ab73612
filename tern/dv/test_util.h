// Helpers shared by the tern/dv tests.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

namespace tern::dv::testing {

// Writes `text` to a fresh file under the test temp dir and returns its path.
// The name carries the process id: ctest runs each test in its own process,
// in parallel, and tests share helpers that write the same names.
inline std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir();
  path += "/tern_dv_" + std::to_string(::getpid());
  path += '_';
  path += name;
  std::ofstream f(path, std::ios::binary);
  f << text;
  return path;
}

using Table = std::vector<std::vector<std::string>>;  // first row: header

// Joins rows with ',' and '\n' (cells must not need quoting).
inline std::string to_csv(const Table& t) {
  std::string out;
  for (const auto& row : t) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + row[i];
    out += '\n';
  }
  return out;
}

}  // namespace tern::dv::testing
