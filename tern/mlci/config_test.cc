#include "tern/mlci/config.h"

#include <gtest/gtest.h>

#include "tern/base/error.h"

namespace tern::mlci {
namespace {

std::string error_of(const std::string& text) {
  try {
    parse_config(text, ".ternci.yml");
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

TEST(MlciConfig, TernLayout) {
  const Config c = parse_config(
      "condition: n - o > 0.02 +/- 0.01\nreliability: 0.999\nmode: fn-free\nadaptivity: firstChange\nsteps: 8\n"
      "script: ./predict.sh\nlabels: labels.gz\nd_bound: 0.2\nstate: st\n",
      "x.yml");
  EXPECT_EQ(c.settings.condition.clauses.size(), 1u);
  EXPECT_DOUBLE_EQ(c.settings.reliability, 0.999);
  EXPECT_EQ(c.settings.mode, Mode::kFnFree);
  EXPECT_EQ(c.settings.adaptivity, Adaptivity::kFirstChange);
  EXPECT_EQ(c.settings.steps, 8);
  EXPECT_EQ(c.script, "./predict.sh");
  EXPECT_EQ(c.labels, "labels.gz");
  EXPECT_EQ(c.state_dir, "st");
  ASSERT_TRUE(c.d_bound.has_value());
  EXPECT_DOUBLE_EQ(*c.d_bound, 0.2);
}

// The layout of ease.ml/ci's own example .easeml.yml.
TEST(MlciConfig, EasemlLayout) {
  const Config c = parse_config(
      "ml:\n- script : ./evaluate_model.py\n- condition : n - o > 0.1 +/- 0.1\n- reliability: 0.99\n"
      "- mode : fp-free\n- adaptivity : full\n- steps : 32\n- data_mode : local\n- email: a@b.c\n",
      ".easeml.yml");
  EXPECT_EQ(c.script, "./evaluate_model.py");
  EXPECT_EQ(c.settings.mode, Mode::kFpFree);
  EXPECT_EQ(c.settings.adaptivity, Adaptivity::kFull);
  EXPECT_EQ(c.settings.steps, 32);
  EXPECT_DOUBLE_EQ(c.settings.condition.clauses[0].eps, 0.1);
}

TEST(MlciConfig, HybridIsFirstChange) {
  const Config c = parse_config("ml:\n  condition: n > 0.5 +/- 0.1\n  reliability: 0.9\n  mode: fp-free\n"
                                "  adaptivity: hybrid\n  steps: 3\n",
                                "x");
  EXPECT_EQ(c.settings.adaptivity, Adaptivity::kFirstChange);
}

TEST(MlciConfig, ErrorsCarryLineAndColumn) {
  const std::string base = "condition: n - o > 0.02 +/- 0.01\nreliability: 0.999\nmode: fp-free\nadaptivity: full\n";
  EXPECT_NE(error_of(base + "steps: 0\n").find(".ternci.yml:5:8: 'steps': expected an integer"), std::string::npos)
      << error_of(base + "steps: 0\n");
  EXPECT_NE(error_of(base).find("missing required key 'steps'"), std::string::npos);
  EXPECT_NE(error_of(base + "steps: 3\ncolour: red\n").find(".ternci.yml:6:1: unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(error_of("condition: n - o > 0.02\n").find(".ternci.yml:1:12: condition"), std::string::npos)
      << error_of("condition: n - o > 0.02\n");
  EXPECT_NE(error_of("mode: [fp-free\n").find(".ternci.yml:"), std::string::npos);
  EXPECT_NE(error_of("mode: [fp-free\n").find("not valid YAML"), std::string::npos);
  EXPECT_NE(error_of("mode: fp\n").find("1:7: mode: expected fp-free or fn-free"), std::string::npos)
      << error_of("mode: fp\n");
  EXPECT_NE(error_of("reliability: 1.5\n").find("1:14: 'reliability': expected a probability"), std::string::npos);
  EXPECT_NE(error_of("reliability: high\n").find("expected a number, got 'high'"), std::string::npos);
  EXPECT_NE(error_of("- a\n- b\n").find("expected a mapping"), std::string::npos);
  EXPECT_NE(error_of("mode: fp-free\nmode: fn-free\n").find("given twice"), std::string::npos);
  EXPECT_NE(error_of(std::string(100, '[')).find("nesting deeper"), std::string::npos);
  EXPECT_NE(error_of(base + "steps: 3\n---\nsteps: 4\n").find(".ternci.yml:6:1: expected one YAML document"),
            std::string::npos)
      << error_of(base + "steps: 3\n---\nsteps: 4\n");
}

// Found by the fuzz test: yaml-cpp's LoadAll turns this stream into empty
// documents until memory runs out (tens of GB); the reader must refuse it.
TEST(MlciConfig, StreamThatMakesLoadAllRunAwayIsRefused) {
  EXPECT_NE(error_of("\",~*a*a---\n>condition: *a%YAML 1.2\n\",1e9[\t").find(".ternci.yml:"), std::string::npos);
}

}  // namespace
}  // namespace tern::mlci
