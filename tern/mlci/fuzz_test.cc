// Fuzz: the condition parser and the config loader get 10^4 generated
// malformed inputs each (mutations of valid inputs, and random token soup).
// Each must either parse into something valid or throw tern::ValueError with
// a one-line message that says where; nothing else (no crash, no other
// exception type, no hang).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tern/base/error.h"
#include "tern/mlci/condition.h"
#include "tern/mlci/config.h"
#include "tern/mlci/estimate.h"

namespace tern::mlci {
namespace {

constexpr int kInputs = 10000;

const std::vector<std::string> kConditionSeeds = {
    "n - o > 0.02 +/- 0.01", "d < 0.1 +/- 0.01 /\\ n - o > 0.02 +/- 0.01", "n > 0.8 +/- 0.05",
    "2*n - 1.5 o + d < 0.3 +/- 0.1", "-o + n > -0.1 +/- 1e-2"};
const std::vector<std::string> kConditionPieces = {"n", "o", "d", "+", "-", "*", ">", "<", "+/-", "/\\", "0.1",
                                                   "1e-3", "2", ".", "e", " ", "x", "(", ")", "\\", "/", ">=",
                                                   "1e999", "0", "--", "\t", "\n", "\x01", "\xff", "nn"};

const std::vector<std::string> kConfigSeeds = {
    "condition: n - o > 0.02 +/- 0.01\nreliability: 0.999\nmode: fp-free\nadaptivity: full\nsteps: 32\n",
    "ml:\n- script : ./evaluate_model.py\n- condition : n - o > 0.1 +/- 0.1\n- reliability: 0.99\n"
    "- mode : fp-free\n- adaptivity : full\n- steps : 32\n- data_mode : local\n- email: a@b.c\n",
    "ml:\n  condition: d < 0.1 +/- 0.01\n  reliability: 0.9\n  mode: fn-free\n  adaptivity: hybrid\n  steps: 4\n"
    "  labels: l.gz\n  d_bound: 0.2\n"};
const std::vector<std::string> kConfigPieces = {":", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "|",
                                                ">", "#", "'", "\"", "\n", "  ", "\t", "? ", "---\n", "...\n",
                                                "%YAML 1.2\n", "ml:", "steps: ", "1e9", "-1", "nan", "~", std::string(1, '\0'),
                                                "\xc3\x28", "<<: *a\n", "condition: ", "n - o >"};

std::string mutate(std::string s, const std::vector<std::string>& pieces, std::mt19937_64& g) {
  const int edits = 1 + static_cast<int>(g() % 4);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = s.empty() ? 0 : g() % (s.size() + 1);
    switch (g() % 6) {
      case 0: s.insert(pos, pieces[g() % pieces.size()]); break;
      case 1: if (pos < s.size()) s.erase(pos, 1 + g() % 4); break;
      case 2: if (pos < s.size()) s[pos] = static_cast<char>(g() % 256); break;
      case 3: s = s.substr(0, pos); break;  // truncation
      case 4: if (!s.empty()) s.insert(pos, s.substr(g() % s.size(), 1 + g() % 8)); break;
      case 5: {  // a run of one piece, e.g. deep nesting
        const std::string& p = pieces[g() % pieces.size()];
        for (int r = static_cast<int>(g() % 64); r > 0; --r) s.insert(pos, p);
        break;
      }
    }
  }
  return s;
}

std::string soup(const std::vector<std::string>& pieces, std::mt19937_64& g) {
  std::string s;
  for (int n = static_cast<int>(g() % 24); n > 0; --n) s += pieces[g() % pieces.size()];
  return s;
}

void expect_clear(const std::string& what, const std::string& prefix, const std::string& input) {
  EXPECT_FALSE(what.empty()) << input;
  EXPECT_EQ(what.find('\n'), std::string::npos) << "multi-line message: " << what;
  EXPECT_EQ(what.rfind(prefix, 0), 0u) << "message does not say where: " << what;
  EXPECT_TRUE(what.find("expected") != std::string::npos || what.find("unknown") != std::string::npos ||
              what.find("twice") != std::string::npos || what.find("cancel") != std::string::npos ||
              what.find("not valid YAML") != std::string::npos || what.find("missing") != std::string::npos ||
              what.find("not part of the language") != std::string::npos ||
              what.find("malformed") != std::string::npos || what.find("unexpected") != std::string::npos)
      << "message does not say what was expected: " << what;
}

TEST(MlciFuzz, ConditionParser) {
  std::mt19937_64 g(2024);
  int rejected = 0;
  for (int i = 0; i < kInputs; ++i) {
    const std::string input = i % 4 == 0 ? soup(kConditionPieces, g)
                                         : mutate(kConditionSeeds[g() % kConditionSeeds.size()], kConditionPieces, g);
    try {
      const Condition c = parse_condition(input);
      ASSERT_FALSE(c.clauses.empty());
      for (const Clause& cl : c.clauses) {
        EXPECT_GT(cl.num_vars(), 0) << input;
        EXPECT_GT(cl.eps, 0.0) << input;
        EXPECT_LT(cl.eps, 1.0) << input;
      }
      // Whatever parses must also plan: sizes, or a clean overflow error.
      Settings s;
      s.condition = c;
      s.adaptivity = i % 2 ? Adaptivity::kFull : Adaptivity::kNone;
      try {
        EXPECT_GE(plan_hoeffding(s).examples, 1) << input;
        const Plan p = plan_optimised(s);
        EXPECT_GE(p.examples, 1) << input;
        EXPECT_LE(p.labels, p.examples) << input;
      } catch (const ValueError& e) {
        EXPECT_NE(std::string(e.what()).find("overflows"), std::string::npos) << e.what();
      }
    } catch (const ValueError& e) {
      ++rejected;
      expect_clear(e.what(), "condition", input);
    }
  }
  EXPECT_GT(rejected, kInputs / 2);  // the generator really produces malformed input
}

TEST(MlciFuzz, ConfigLoader) {
  std::mt19937_64 g(4242);
  int rejected = 0;
  for (int i = 0; i < kInputs; ++i) {
    const std::string input = i % 4 == 0 ? soup(kConfigPieces, g)
                                         : mutate(kConfigSeeds[g() % kConfigSeeds.size()], kConfigPieces, g);
    try {
      const Config c = parse_config(input, "fuzz.yml");
      EXPECT_FALSE(c.settings.condition.clauses.empty()) << input;
      EXPECT_GT(c.settings.reliability, 0.0);
      EXPECT_LT(c.settings.reliability, 1.0);
      EXPECT_GE(c.settings.steps, 1);
    } catch (const ValueError& e) {
      ++rejected;
      expect_clear(e.what(), "fuzz.yml", input);
    }
  }
  EXPECT_GT(rejected, kInputs / 2);
}

}  // namespace
}  // namespace tern::mlci
