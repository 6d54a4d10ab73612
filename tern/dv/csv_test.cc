#include <gtest/gtest.h>

#include <random>

#include "tern/base/error.h"
#include "tern/dv/csv.h"
#include "tern/dv/sources.h"
#include "tern/dv/test_util.h"

namespace tern::dv {
namespace {

using testing::write_temp;

struct Collect : CsvSink {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::vector<bool>> quoted;
  std::vector<std::string> cur;
  std::vector<bool> q;
  void field(int64_t, const CsvField& f) override {
    cur.emplace_back(f.value);
    q.push_back(f.quoted);
  }
  void end_record() override {
    rows.push_back(std::move(cur));
    quoted.push_back(std::move(q));
    cur.clear();
    q.clear();
  }
};

CsvProblem parse(std::string_view text, int64_t expected, Collect& c, char delim = ',') {
  CsvProblem p;
  parse_csv_block(text, delim, 1, expected, c, &p);
  return p;
}

TEST(Csv, QuotingFollowsRfc4180) {
  Collect c;
  const auto p = parse("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"multi\nline\",,\"\"\nx,y,z", 3, c);
  ASSERT_TRUE(p.ok()) << p.message;
  ASSERT_EQ(c.rows.size(), 3u);
  EXPECT_EQ(c.rows[0], (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
  EXPECT_EQ(c.rows[1], (std::vector<std::string>{"multi\nline", "", ""}));
  // Unquoted empty is missing; quoted empty is a present empty string.
  EXPECT_FALSE(c.quoted[1][1]);
  EXPECT_TRUE(c.quoted[1][2]);
  EXPECT_EQ(c.rows[2], (std::vector<std::string>{"x", "y", "z"}));
}

TEST(Csv, OtherDelimitersAndBlankLines) {
  Collect c;
  ASSERT_TRUE(parse("1;2\n\n3;\"4;5\"\n", 2, c, ';').ok());
  ASSERT_EQ(c.rows.size(), 2u);
  EXPECT_EQ(c.rows[1][1], "4;5");
  Collect t;
  ASSERT_TRUE(parse("1\t2\n", 2, t, '\t').ok());
  EXPECT_EQ(t.rows[0][1], "2");
}

TEST(Csv, ProblemsCarryLineAndColumn) {
  struct Case {
    std::string text;
    int64_t line, column;
    std::string what;
  } cases[] = {
      {"1,2\n3,4,5\n", 2, 5, "ragged row"},
      {"1,2\n3\n", 2, 2, "ragged row: expected 2 fields, found 1"},
      {"1,2\nab\"c,4\n", 2, 3, "quote inside an unquoted field"},
      {"1,2\n\"ab\"c,4\n", 2, 5, "after closing quote"},
      {"1,2\n3,\"open\nstill open\n", 2, 3, "unterminated quoted field"},
      {"1,2\n\"a\nb\",4,\"c\nd\"\n", 3, 6, "ragged row: expected 2 fields, found more"},
  };
  for (const auto& k : cases) {
    Collect c;
    const auto p = parse(k.text, 2, c);
    SCOPED_TRACE(k.text);
    EXPECT_FALSE(p.ok());
    EXPECT_EQ(p.line, k.line);
    EXPECT_EQ(p.column, k.column);
    EXPECT_NE(p.message.find(k.what), std::string::npos) << p.message;
  }
}

TEST(Csv, MalformedFilesAreReportedWithFileLineColumn) {
  const std::string ragged = write_temp("ragged.csv", "a,b\n1,2\n3,4\n5\n");
  try {
    csv_stats(ragged);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), ragged + ":4:2: ragged row: expected 2 fields, found 1");
  }
  const std::string empty = write_temp("empty.csv", "");
  EXPECT_THROW(
      {
        try {
          csv_stats(empty);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find(empty + ":1:1: empty file"), std::string::npos) << e.what();
          throw;
        }
      },
      ValueError);
  const std::string bad_header = write_temp("badheader.csv", "a,\xff\xfe\n1,2\n");
  EXPECT_THROW(csv_stats(bad_header), ValueError);
  EXPECT_THROW(csv_stats(write_temp("dup.csv", "a,a\n1,2\n")), ValueError);
  EXPECT_THROW(csv_stats(::testing::TempDir() + "/does_not_exist.csv"), IOError);
}

TEST(Csv, InvalidUtf8ValueIsCountedWithItsLocation) {
  const std::string path = write_temp("utf8.csv", "id,name\n1,ok\n2,caf\xc3\xa9\n3,b\xffgus\n");
  const auto s = csv_stats(path);
  const FeatureStats* f = s.find("name");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->num_invalid_utf8, 1);
  EXPECT_EQ(f->first_invalid_utf8_line, 4);
  EXPECT_EQ(f->first_invalid_utf8_column, 3);
}

TEST(Csv, HeaderOnlyFileHasNoExamples) {
  const auto s = csv_stats(write_temp("header_only.csv", "a,b\n"));
  EXPECT_EQ(s.num_examples, 0);
  EXPECT_EQ(s.features.size(), 2u);
}

// Splitting into tiny blocks (records straddling blocks, quoted newlines)
// must not change any statistic (all columns here stay exact; sketches
// may differ in their approximation with the merge order).
TEST(Csv, BlockSizeDoesNotChangeStatistics) {
  std::mt19937 rng(7);
  std::string text = "n,f,s\n";
  for (int i = 0; i < 3000; ++i) {
    text += std::to_string(rng() % 2000) + "," + std::to_string((rng() % 900) / 7.0) + ",";
    // Appended piece by piece: "literal" + std::string trips GCC 12's -Wrestrict (a false positive).
    if (i % 17 == 0) {
      text += "\"multi\nline ";
      text += std::to_string(i % 5);
      text += '"';
    } else {
      text += 'w';
      text += std::to_string(rng() % 50);
    }
    text += (i % 3 == 0) ? "\r\n" : "\n";
  }
  const std::string path = write_temp("blocks.csv", text);
  StatsOptions big;
  StatsOptions tiny;
  tiny.csv.block_bytes = 64;
  tiny.threads = 2;
  auto a = to_json(csv_stats(path, big)), b = to_json(csv_stats(path, tiny));
  for (auto* j : {&a, &b}) j->erase("seconds");
  EXPECT_EQ(a, b) << nlohmann::json::diff(a, b).dump();
  EXPECT_EQ(a["num_examples"], 3000);
}

// Random bytes must give statistics or a tern::Error, never a crash.
TEST(Csv, GarbageNeverCrashes) {
  std::mt19937 rng(11);
  const char alphabet[] = {'a', '1', ',', '"', '\n', '\r', '\xff', ' ', '.', '-'};
  int ok = 0, rejected = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string text;
    const int len = static_cast<int>(rng() % 200);
    for (int i = 0; i < len; ++i) text += alphabet[rng() % sizeof alphabet];
    const std::string path = write_temp("garbage.csv", text);
    StatsOptions o;
    o.csv.block_bytes = 1 + rng() % 32;
    try {
      csv_stats(path, o);
      ++ok;
    } catch (const Error&) {
      ++rejected;
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(rejected, 0);
}

TEST(Csv, EscapeRoundTrips) {
  for (std::string s : {"plain", "a,b", "q\"q", "line\nbreak", ""}) {
    Collect c;
    const std::string text = "x," + csv_escape(s, ',', true) + "\n";
    ASSERT_TRUE(parse(text, 2, c).ok());
    EXPECT_EQ(c.rows[0][1], s);
    EXPECT_TRUE(s.empty() ? c.quoted[0][1] : true);
  }
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));  // overlong '/'
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(valid_utf8("\xe2\x9c"));  // truncated
}

}  // namespace
}  // namespace tern::dv
