#include "tern/train/plot/plot.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "tern/base/error.h"
#include "tern/train/plot/chart.h"
#include "tern/train/plot/run_csv.h"

namespace tern::train::plot {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

struct TempDir {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               ("tern_plot_test_" + std::to_string(::getpid()) + "_" +
                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& text = "") const {
    const std::string p = (path / name).string();
    if (!text.empty()) std::ofstream(p) << text;
    return p;
  }
};

TEST(RunCsv, ColumnsByHeaderName) {
  const auto c = parse_csv_columns("step,epoch,loss,lr\n0,1,2.5,0.1\n1,1,2.25,0.1\n\n", {"step", "loss"}, "s.csv");
  EXPECT_EQ(c[0], (std::vector<double>{0, 1}));
  EXPECT_EQ(c[1], (std::vector<double>{2.5, 2.25}));
}

TEST(RunCsv, MalformedLinesNameFileAndLine) {
  EXPECT_NE(error_of([] { parse_csv_columns("step,lr\n0,1\n", {"step", "loss"}, "s.csv"); })
                .find("s.csv:1: the header has no column 'loss'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_csv_columns("step,loss\n0,1\n1,nan\n", {"step", "loss"}, "s.csv"); })
                .find("s.csv:3: expected a number, found 'nan'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_csv_columns("step,loss\n0,1,2\n", {"step", "loss"}, "s.csv"); })
                .find("s.csv:2: 3 fields, the header has 2"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_csv_columns("", {"step"}, "s.csv"); }).find("s.csv: empty"), std::string::npos);
}

TEST(Chart, NiceTicksAreRoundAndCoverTheRange) {
  EXPECT_EQ(nice_ticks(0, 1, 5), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  const std::vector<double> t = nice_ticks(13, 987);
  ASSERT_GE(t.size(), 4u);
  EXPECT_EQ(t.front(), 200);
  EXPECT_EQ(t[1] - t[0], 200);
}

TEST(Plot, MovingAverageIsTrailing) {
  EXPECT_EQ(moving_average({2, 4, 6, 8}, 2), (std::vector<double>{2, 3, 5, 7}));
  EXPECT_EQ(moving_average({1, 2}, 1), (std::vector<double>{1, 2}));
}

// PNG: signature, then IHDR with width and height (big-endian).
std::pair<int, int> png_size(const std::string& bytes) {
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  auto be = [&](size_t at) {
    return (static_cast<uint8_t>(bytes[at]) << 24) | (static_cast<uint8_t>(bytes[at + 1]) << 16) |
           (static_cast<uint8_t>(bytes[at + 2]) << 8) | static_cast<uint8_t>(bytes[at + 3]);
  };
  return {be(16), be(20)};
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Values whose range is below their precision (a malformed but finite log)
// still give a finite chart, not an endless tick loop.
TEST(Chart, HugeValuesWithATinyRangeRender) {
  Chart c{.title = "t", .x_label = "x", .y_label = "y", .series = {}, .integer_x = true, .width = 300, .height = 200};
  c.series.push_back({.label = "a", .x = {1e17, 1e17}, .y = {3e17, 3e17 + 64}, .color = 0, .width = 2, .alpha = 1, .markers = true});
  EXPECT_EQ(png_size(render_png(c)), (std::pair<int, int>{300, 200}));
  const std::vector<double> t = nice_ticks(1e17, 1e17 + 1);
  EXPECT_FALSE(t.empty());
  EXPECT_LE(t.size(), 200u);
}

TEST(Plot, TwoRunsGiveLossAndAccuracyPngs) {
  TempDir d;
  for (const char* run : {"a", "b"}) {
    std::filesystem::create_directories(d.path / run);
    std::string steps = "step,epoch,loss,lr\n", epochs = "epoch,step,train_loss,test_accuracy,samples_per_second,seconds,lr\n";
    for (int s = 0; s < 200; ++s) steps += std::to_string(s) + "," + std::to_string(s / 100 + 1) + "," + std::to_string(2.3 / (1 + s * 0.05)) + ",0.1\n";
    epochs += "1,100,1.2,0.7,1000,1,0.1\n2,200,0.8,0.8,1000,1,0.1\n";
    d.file(std::string(run) + "/steps.csv", steps);
    d.file(std::string(run) + "/epochs.csv", epochs);
  }
  const PlotReport r = plot_runs({.runs = {(d.path / "a").string(), (d.path / "b").string()},
                                  .out = (d.path / "out").string(), .width = 640, .height = 400});
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.steps, 400);
  EXPECT_EQ(r.epochs, 4);
  for (const std::string& f : r.files) {
    const std::string png = slurp(f);
    EXPECT_EQ(png_size(png), (std::pair<int, int>{640, 400})) << f;
    EXPECT_GT(png.size(), 5000u) << f;  // curves, text and grid, not a blank page
  }
}

TEST(Plot, AFolderWithoutLogsIsAClearError) {
  TempDir d;
  const std::string e = error_of([&] { plot_runs({.runs = {d.path.string()}, .out = (d.path / "o").string()}); });
  EXPECT_NE(e.find("neither steps.csv nor epochs.csv"), std::string::npos) << e;
}

}  // namespace
}  // namespace tern::train::plot
