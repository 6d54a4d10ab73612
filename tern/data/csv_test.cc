#include "tern/data/csv.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <unistd.h>

#include "tern/base/error.h"

namespace tern::data {
namespace {

std::string error_of(std::string_view text, const CsvOptions& opt = {}) {
  try {
    parse_csv(text, "t.csv", opt);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Csv, HeaderAndTheColumnNamedLabel) {
  const CsvTable t = parse_csv("a,label,b\n1,0,2\n3.5,2,-4e1\n", "t.csv");
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.label_name, "label");
  EXPECT_EQ(t.features, (std::vector<float>{1, 2, 3.5f, -40}));
  EXPECT_EQ(t.labels, (std::vector<int64_t>{0, 2}));
  EXPECT_TRUE(t.class_names.empty());
  EXPECT_EQ(t.num_classes(), 3);
}

TEST(Csv, LastColumnByDefaultThenByNameOrIndex) {
  const std::string text = "x,y,kind\n1,2,b\n3,4,a\n5,6,b\n";
  const CsvTable last = parse_csv(text, "t.csv");
  EXPECT_EQ(last.label_name, "kind");
  EXPECT_EQ(last.class_names, (std::vector<std::string>{"a", "b"}));  // sorted
  EXPECT_EQ(last.labels, (std::vector<int64_t>{1, 0, 1}));
  CsvOptions by_name;
  by_name.label = "x";
  // "kind" is now a feature, and not a number.
  EXPECT_EQ(error_of(text, by_name), "t.csv:2: column 'kind': expected a number, got 'b'");
  CsvOptions by_index;
  by_index.label = "1";
  const CsvTable t = parse_csv("x,y,z\n1,2,3\n4,5,6\n", "t.csv", by_index);
  EXPECT_EQ(t.label_name, "y");
  EXPECT_EQ(t.labels, (std::vector<int64_t>{2, 5}));
  EXPECT_EQ(t.features, (std::vector<float>{1, 3, 4, 6}));
  by_index.label = "3";
  EXPECT_EQ(error_of("x,y,z\n1,2,3\n", by_index),
            "t.csv: label column 3 does not exist (the header has 3 columns, 0 to 2)");
  by_name.label = "species";
  EXPECT_EQ(error_of("x,y,z\n1,2,3\n", by_name), "t.csv: no column 'species' for the label (columns: 'x', 'y', 'z')");
}

TEST(Csv, TrainingClassesNumberATestFile) {
  CsvOptions o;
  o.classes = {"b", "a", "c"};
  const CsvTable t = parse_csv("f,c\n1,a\n2,c\n", "test.csv", o);
  EXPECT_EQ(t.labels, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(t.num_classes(), 3);
  EXPECT_EQ(error_of("f,c\n1,a\n2,z\n", o), "t.csv:3: label column 'c': class 'z' is not one of the training file's 3 classes");
  CsvOptions ints;
  ints.integer_labels = true;
  EXPECT_EQ(error_of("f,c\n1,1\n2,x\n", ints),
            "t.csv:3: label column 'c': expected a class id (an integer >= 0, as in the training file), got 'x'");
}

TEST(Csv, TsvQuotesCrlfBomAndBlankLines) {
  CsvOptions tab;
  tab.delimiter = '\t';
  const CsvTable t = parse_csv("\xEF\xBB\xBF" "a\tb\tname\r\n 1 \t2\t\"x\ty\"\r\n\r\n3\t4\t\"say \"\"hi\"\"\"\r\n", "t.tsv", tab);
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(t.features, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"say \"hi\"", "x\ty"}));
  EXPECT_EQ(t.labels, (std::vector<int64_t>{1, 0}));
  // A quoted field over two lines: the next record's line number still counts both.
  const std::string spans = "v,note\n1,\"two\nlines\"\n2,x\nbad,y\n";
  EXPECT_EQ(parse_csv(spans.substr(0, spans.rfind("bad")), "t.csv").class_names,
            (std::vector<std::string>{"two\nlines", "x"}));
  EXPECT_EQ(error_of(spans), "t.csv:5: column 'v': expected a number, got 'bad'");
}

TEST(Csv, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"), "t.csv:3: expected 2 fields like the header, got 1");
  EXPECT_EQ(error_of("a,b\n1,\"2\n"), "t.csv:2: quoted field never closed (expected a closing '\"')");
  EXPECT_EQ(error_of("a,b\n1,\"2\"x\n"),
            "t.csv:2: field 2: expected the delimiter or a line end after a closing quote, got 'x'");
  EXPECT_EQ(error_of("a,b\n1e999,2\n"), "t.csv:2: column 'a': expected a finite float32 number, got '1e999'");
  EXPECT_EQ(error_of(""), "t.csv: empty file (expected a header row, then data rows)");
  EXPECT_EQ(error_of("a,b\n"), "t.csv: no data rows after the header");
  EXPECT_NE(error_of("a;b\n1;2\n").find("t.csv:1: header has 1 column"), std::string::npos);
  EXPECT_NE(error_of("a,b\n1,99999999999\n").find("t.csv:2: label column 'b': class id 99999999999 is implausibly large"),
            std::string::npos);
}

TEST(Csv, ReadCsvNamesThePath) {
  const std::string path = ::testing::TempDir() + "/tern_csv_test_" + std::to_string(::getpid()) + ".csv";
  std::ofstream(path) << "a,label\n1,0\nx,1\n";
  try {
    read_csv(path);
    FAIL() << "expected an error";
  } catch (const IOError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3: column 'a': expected a number, got 'x'");
  }
  EXPECT_THROW(read_csv(path + ".missing"), IOError);
}

// What the fuzz target checks, on a fixed budget: every truncation and
// every byte replaced by a troublesome one gives a table or a one-line error.
TEST(Csv, DamagedTextIsATableOrAOneLineError) {
  const std::string good = "a,b,\"c d\",label\n1,2,3,x\n\"4\",5.5,-6,\"y,z\"\n7,8,9,x\n";
  for (size_t n = 0; n <= good.size(); ++n) EXPECT_EQ(error_of(good.substr(0, n)).find('\n'), std::string::npos) << n;
  for (size_t i = 0; i < good.size(); ++i)
    for (char c : {'"', ',', '\n', '\r', '\0', 'q', ' '}) {
      std::string b = good;
      b[i] = c;
      const std::string e = error_of(b);
      EXPECT_EQ(e.find('\n'), std::string::npos) << i << ": " << e;
    }
}

}  // namespace
}  // namespace tern::data
