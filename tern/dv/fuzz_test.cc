#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "tern/dv/fuzz.h"
#include "tern/dv/infer.h"
#include "tern/dv/sources.h"
#include "tern/dv/test_util.h"
#include "tern/dv/validate.h"

namespace tern::dv {
namespace {

using testing::write_temp;

constexpr const char* kSchema = R"(
feature { name: "i" type: INT presence { min_fraction: 1.0 min_count: 1 } }
feature { name: "bounded" type: INT int_domain { min: -5 max: 5 } presence { min_fraction: 1.0 } }
feature { name: "f" type: FLOAT presence { min_fraction: 0.5 } }
feature { name: "p" type: FLOAT float_domain { min: 0 max: 1 disallow_nan: true disallow_inf: true } }
feature { name: "s" type: BYTES presence { min_count: 1 } }
feature { name: "c" type: BYTES domain: "colors" presence { min_fraction: 1.0 } }
string_domain { name: "colors" value: "red" value: "green" }
)";

TEST(Fuzz, OutputConformsToTheSchema) {
  const Schema s = parse_schema(kSchema);
  FuzzOptions o;
  o.n = 500;
  const std::string csv = fuzz_csv(s, o);
  const auto st = csv_stats(write_temp("fuzz.csv", csv));
  EXPECT_EQ(st.num_examples, 500);
  const auto a = validate_statistics(s, st);
  EXPECT_TRUE(a.empty()) << format_anomalies(a);
  // The edge cases are there.
  EXPECT_EQ(st.find("i")->max, 9223372036854775807.0);
  EXPECT_EQ(st.find("i")->min, -9223372036854775808.0);
  EXPECT_EQ(st.find("bounded")->min, -5);
  EXPECT_EQ(st.find("bounded")->max, 5);
  EXPECT_GT(st.find("f")->num_nan, 0);
  EXPECT_GT(st.find("f")->num_inf, 0);
  EXPECT_GT(st.find("f")->num_missing, 0);  // presence allows it
  EXPECT_EQ(st.find("p")->num_nan, 0);      // disallowed
  EXPECT_EQ(st.find("p")->min, 0);
  EXPECT_EQ(st.find("p")->max, 1);
  bool empty_string = false;
  for (const auto& [v, c] : st.find("s")->top_values) empty_string |= v.empty();
  EXPECT_TRUE(empty_string);
  EXPECT_EQ(st.find("c")->unique, 2);
}

TEST(Fuzz, SameSeedSameRows) {
  const Schema s = parse_schema(kSchema);
  FuzzOptions a, b;
  b.seed = 2;
  EXPECT_EQ(fuzz_csv(s, a), fuzz_csv(s, a));
  EXPECT_NE(fuzz_csv(s, a), fuzz_csv(s, b));
}

struct TrainerRun {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
};

TrainerRun run_trainer(const std::string& csv_path) {
  TrainerRun r;
  const std::string cmd = std::string(TERN_DV_BUGGY_TRAIN) + " " + csv_path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) r.out += buf;
  const int status = pclose(p);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  // A shell reports a child's death by signal as 128 + signal.
  if (r.exit_code > 128) r.signal = r.exit_code - 128;
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

double final_loss(const std::string& out) {
  const auto p = out.find("final loss: ");
  if (p == std::string::npos) return 0;
  return std::strtod(out.c_str() + p + 12, nullptr);
}

// The paper's model unit testing: the trainer passes on the clean data it was
// written against, and schema-driven fuzzing exposes both planted bugs.
TEST(Fuzz, ExposesPlantedBugsInTrainingCode) {
  std::mt19937 rng(3);
  std::string clean = "x,name,y\n";
  for (int i = 0; i < 400; ++i)
    clean += std::to_string(0.5 + (rng() % 950) / 100.0) + ",user" + std::to_string(i) + "," + std::to_string(rng() % 2) + "\n";
  const std::string clean_path = write_temp("train_clean.csv", clean);
  const TrainerRun ok = run_trainer(clean_path);
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_TRUE(std::isfinite(final_loss(ok.out))) << ok.out;

  // Schema: inferred from the clean data, then reviewed: x may be any value in [0, 10].
  Schema schema = infer_schema(csv_stats(clean_path));
  ASSERT_TRUE(schema.find("name")->domain.empty());  // 400 distinct names: free text
  schema.find("x")->float_domain = FloatDomain{"", 0.0, 10.0, true, true, {}};
  schema.find("y")->int_domain = IntDomain{"", 0, 1, true, {}};

  // Bug 1 (NaN at an edge value): fuzz without the name column.
  Schema numeric = schema;
  numeric.features.erase(numeric.features.begin() + 1);
  const TrainerRun nan_run = run_trainer(write_temp("fuzz_numeric.csv", fuzz_csv(numeric, {})));
  EXPECT_EQ(nan_run.exit_code, 0) << nan_run.out;  // the bug is silent...
  EXPECT_TRUE(std::isnan(final_loss(nan_run.out))) << nan_run.out;  // ...but the loss is NaN

  // Bug 2 (crash on an empty string): fuzz the full schema.
  const TrainerRun crash = run_trainer(write_temp("fuzz_full.csv", fuzz_csv(schema, {})));
  EXPECT_NE(crash.exit_code, 0) << crash.out;
  EXPECT_NE(crash.out.find("out_of_range"), std::string::npos) << crash.out;
}

}  // namespace
}  // namespace tern::dv
