// A deliberately buggy training program: logistic regression on a CSV with
// columns x (FLOAT), name (BYTES, optional) and y (0/1). Two planted bugs,
// the kind the paper's schema-driven fuzzing is meant to find:
//  1. the feature transform log(x) gives -inf at x = 0, which the schema
//     allows; the loss silently becomes NaN;
//  2. the first letter of `name` is read with .at(0), which throws on an
//     empty string, so the program crashes (std::terminate -> SIGABRT).
// On "clean" data (x > 0, non-empty names) it trains and prints a finite loss.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tern/dv/csv.h"

namespace {

struct Rows : tern::dv::CsvSink {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> cur;
  void field(int64_t, const tern::dv::CsvField& f) override { cur.emplace_back(f.value); }
  void end_record() override { rows.push_back(std::move(cur)); cur.clear(); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dv_buggy_train data.csv\n");
    return 2;
  }
  tern::dv::CsvReader reader(argv[1], {});
  const auto& names = reader.column_names();
  int ix = -1, iname = -1, iy = -1;
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    if (names[i] == "x") ix = i;
    if (names[i] == "name") iname = i;
    if (names[i] == "y") iy = i;
  }
  Rows rows;
  std::vector<tern::dv::CsvBlock> blocks;
  while (reader.next_blocks(1, blocks))
    for (const auto& b : blocks) {
      tern::dv::CsvProblem p;
      tern::dv::parse_csv_block(b.data, ',', b.first_line, static_cast<int64_t>(names.size()), rows, &p);
      if (!p.ok()) {
        std::fprintf(stderr, "%s\n", reader.where(p).c_str());
        return 2;
      }
    }
  double w[3] = {0, 0, 0};
  double loss = 0;
  for (const auto& r : rows.rows) {
    const double x = ix >= 0 && !r[ix].empty() ? std::strtod(r[ix].c_str(), nullptr) : 1.0;
    const double feature_x = std::log(x);  // BUG 1: -inf at x = 0
    double feature_name = 0;
    if (iname >= 0) feature_name = r[iname].at(0) == 'a' ? 1.0 : 0.0;  // BUG 2: throws on ""
    const double y = iy >= 0 && !r[iy].empty() ? std::strtod(r[iy].c_str(), nullptr) : 0.0;
    const double z = w[0] + w[1] * feature_x + w[2] * feature_name;
    const double p = 1.0 / (1.0 + std::exp(-z));
    loss += -(y * std::log(p + 1e-12) + (1 - y) * std::log(1 - p + 1e-12));
    const double g = p - y;
    w[0] -= 0.01 * g;
    w[1] -= 0.01 * g * feature_x;
    w[2] -= 0.01 * g * feature_name;
  }
  std::printf("examples: %zu\nfinal loss: %g\n", rows.rows.size(), rows.rows.empty() ? 0.0 : loss / rows.rows.size());
  return 0;
}
