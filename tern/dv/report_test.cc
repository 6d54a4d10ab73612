#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tern/dv/infer.h"
#include "tern/dv/report.h"
#include "tern/dv/sources.h"
#include "tern/dv/test_util.h"

namespace tern::dv {
namespace {

using testing::write_temp;

int count(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1)) ++n;
  return n;
}

// A small dataset with numeric and categorical features, one with a name
// that needs escaping, and a second span that drifted.
std::pair<DatasetStats, DatasetStats> two_spans() {
  std::string a = "age,color,<b>&name,score\n", b = a;
  for (int i = 0; i < 300; ++i) {
    a += std::to_string(20 + i % 50) + "," + (i % 3 ? "red" : "blue") + ",x" + std::to_string(i % 7) + "," +
         std::to_string(i % 10 / 10.0) + "\n";
    b += std::to_string(30 + i % 50) + "," + (i % 5 ? "red" : "green") + ",x" + std::to_string(i % 7) + "," +
         std::to_string(i % 10 / 10.0) + "\n";
  }
  return {csv_stats(write_temp("rep_a.csv", a)), csv_stats(write_temp("rep_b.csv", b))};
}

std::string report_html() {
  auto [a, b] = two_spans();
  InferOptions o;
  o.drift_linf = 0.1;
  o.drift_jsd = 0.1;
  const auto anomalies = validate_statistics(infer_schema(b, o), a, &b);
  return render_report(a, &b, anomalies);
}

TEST(Report, OneChartPerFeatureAndTheAnomalies) {
  const std::string html = report_html();
  EXPECT_EQ(count(html, "<svg class=\"chart\""), 4);
  EXPECT_NE(html.find("data-feature=\"&lt;b&gt;&amp;name\""), std::string::npos);
  EXPECT_EQ(html.find("<b>&name"), std::string::npos);  // never raw
  EXPECT_NE(html.find("COMPARATOR_L_INFTY_HIGH"), std::string::npos);
  EXPECT_NE(html.find("ENUM_TYPE_UNEXPECTED_STRING_VALUES"), std::string::npos);  // "blue" is new
  EXPECT_EQ(html.find("<script"), std::string::npos);  // offline, static
  EXPECT_EQ(html.find("http://") , html.find("http://www.w3.org/2000/svg"));  // no external resources
}

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const std::string cmd = std::string("command -v ") + name + " 2>/dev/null";
    if (FILE* p = popen(cmd.c_str(), "r")) {
      char buf[512] = {0};
      const bool ok = std::fgets(buf, sizeof buf, p) != nullptr;
      pclose(p);
      if (ok) {
        std::string path(buf);
        while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
        return path;
      }
    }
  }
  return "";
}

// Renders the report in headless Chromium: takes a screenshot and counts the
// chart elements in the DOM Chromium built.
TEST(Report, RendersInHeadlessChromium) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium is not installed";
  const std::string dir = ::testing::TempDir() + "/tern_dv_chromium";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/profile");
  const std::string page = dir + "/report.html", shot = dir + "/shot.png", dom = dir + "/dom.html";
  std::ofstream(page) << report_html();
  const std::string flags = " --headless --no-sandbox --disable-gpu --disable-background-networking"
                            " --disable-component-update --disable-sync --no-first-run --user-data-dir=" + dir + "/profile";
  const std::string shot_cmd = "timeout 60 " + chromium + flags + " --screenshot=" + shot +
                               " --window-size=1280,1600 file://" + page + " >/dev/null 2>&1";
  const std::string dom_cmd = "timeout 60 " + chromium + flags + " --dump-dom file://" + page + " > " + dom + " 2>/dev/null";
  ASSERT_EQ(std::system(shot_cmd.c_str()), 0) << shot_cmd;
  ASSERT_TRUE(std::filesystem::exists(shot));
  std::ifstream png(shot, std::ios::binary);
  char sig[8] = {0};
  png.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  EXPECT_GT(std::filesystem::file_size(shot), 10000u);  // a real page, not a blank image
  ASSERT_EQ(std::system(dom_cmd.c_str()), 0) << dom_cmd;
  std::stringstream ss;
  ss << std::ifstream(dom).rdbuf();
  const std::string rendered = ss.str();
  // One chart per feature, each with bars, in the DOM that Chromium parsed.
  EXPECT_EQ(count(rendered, "<svg class=\"chart\""), 4) << rendered.substr(0, 500);
  EXPECT_EQ(count(rendered, "class=\"feature"), 4);
  EXPECT_GT(count(rendered, "<rect "), 20);
}

}  // namespace
}  // namespace tern::dv
