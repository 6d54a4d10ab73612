#include "tern/train/plot/run_csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tern/base/error.h"

namespace tern::train::plot {

namespace {

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> cells;
  size_t start = 0;
  for (size_t at = line.find(','); at != std::string_view::npos; at = line.find(',', start)) {
    cells.push_back(line.substr(start, at - start));
    start = at + 1;
  }
  cells.push_back(line.substr(start));
  return cells;
}

double number(std::string_view cell, const std::string& where) {
  const std::string s(cell);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  TERN_CHECK_T(IOError, !s.empty() && end == s.c_str() + s.size() && errno != ERANGE && std::isfinite(v), where,
               ": expected a number, found '", s.size() > 40 ? s.substr(0, 40) + "..." : s, "'");
  return v;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  TERN_CHECK_T(IOError, f.good(), path, ": cannot open");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<std::vector<double>> parse_csv_columns(std::string_view text, const std::vector<std::string>& wanted,
                                                   const std::string& source) {
  std::vector<std::vector<double>> out(wanted.size());
  std::vector<size_t> index(wanted.size());
  size_t columns = 0;
  int64_t line_no = 0;
  bool header = true;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const std::vector<std::string_view> cells = split(line);
    const std::string where = str_cat(source, ":", line_no);
    if (header) {
      for (size_t w = 0; w < wanted.size(); ++w) {
        size_t c = 0;
        while (c < cells.size() && cells[c] != wanted[w]) ++c;
        TERN_CHECK_T(IOError, c < cells.size(), where, ": the header has no column '", wanted[w], "'");
        index[w] = c;
      }
      columns = cells.size();
      header = false;
      continue;
    }
    TERN_CHECK_T(IOError, cells.size() == columns, where, ": ", cells.size(), " fields, the header has ", columns);
    for (size_t w = 0; w < wanted.size(); ++w) out[w].push_back(number(cells[index[w]], where));
  }
  TERN_CHECK_T(IOError, !header, source, ": empty, expected a header line");
  return out;
}

RunSeries read_run(const std::string& dir) {
  RunSeries r;
  r.name = std::filesystem::path(dir).filename().string();
  if (r.name.empty()) r.name = std::filesystem::path(dir).parent_path().filename().string();
  const std::string steps = dir + "/steps.csv", epochs = dir + "/epochs.csv";
  const bool have_steps = std::filesystem::exists(steps), have_epochs = std::filesystem::exists(epochs);
  TERN_CHECK_T(IOError, have_steps || have_epochs, dir,
               ": neither steps.csv nor epochs.csv; expected a folder written by tern train --log-dir");
  if (have_steps) {
    auto c = parse_csv_columns(read_file(steps), {"step", "loss"}, steps);
    r.step = std::move(c[0]);
    r.loss = std::move(c[1]);
  }
  if (have_epochs) {
    auto c = parse_csv_columns(read_file(epochs), {"epoch", "train_loss", "test_accuracy"}, epochs);
    r.epoch = std::move(c[0]);
    r.epoch_loss = std::move(c[1]);
    r.test_accuracy = std::move(c[2]);
  }
  return r;
}

}  // namespace tern::train::plot
