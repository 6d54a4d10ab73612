// parse.h, args.h and registry.h: the one checked way to read numbers and
// named arguments, and the one registry of named factories.
#include <gtest/gtest.h>

#include <memory>

#include "tern/base/args.h"
#include "tern/base/parse.h"
#include "tern/base/registry.h"

namespace tern {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ValueError& e) {
    return e.what();
  }
  return "";
}

TEST(Parse, IntegersWholeTextAndRange) {
  EXPECT_EQ(parse_int("42", "x"), 42);
  EXPECT_EQ(parse_int("+7", "x"), 7);
  EXPECT_EQ(parse_int("-3", "x"), -3);
  for (const char* bad : {"", " 1", "1 ", "1.5", "0x10", "+-1", "12abc", "99999999999999999999"})
    EXPECT_THROW(parse_int(bad, "x"), ValueError) << bad;
  EXPECT_EQ(error_of([] { parse_int("-1", "--servers", {.min = 1}); }),
            "--servers: expected an integer >= 1, given '-1'");
  EXPECT_EQ(error_of([] { parse_int("9", "--k", {0, 8}); }), "--k: expected an integer in [0, 8], given '9'");
}

TEST(Parse, RealsAreFiniteAndInRange) {
  EXPECT_DOUBLE_EQ(parse_double("0.25", "x"), 0.25);
  EXPECT_DOUBLE_EQ(parse_double("1e-3", "x"), 1e-3);
  for (const char* bad : {"", "nan", "inf", "-inf", "1e999", " 1", "1,5", "0.1x"})
    EXPECT_THROW(parse_double(bad, "x"), ValueError) << bad;
  EXPECT_EQ(error_of([] { parse_double("0", "--lr", {.min = 0, .min_exclusive = true}); }),
            "--lr: expected a number > 0, given '0'");
  EXPECT_THROW(parse_double("-1", "--weight-decay", {.min = 0}), ValueError);
}

TEST(Parse, BoolsAndSizes) {
  EXPECT_TRUE(parse_bool("on", "x"));
  EXPECT_FALSE(parse_bool("0", "x"));
  EXPECT_THROW(parse_bool("maybe", "x"), ValueError);
  EXPECT_EQ(parse_size("4096", "x"), 4096);
  EXPECT_EQ(parse_size("64M", "x"), 64 << 20);
  EXPECT_EQ(parse_size("2KB", "x"), 2048);
  for (const char* bad : {"", "M", "-1K", "1T", "99999999999G"}) EXPECT_THROW(parse_size(bad, "x"), ValueError) << bad;
}

TEST(Parse, QuoteEscapesBytesAndCutsLongText) {
  EXPECT_EQ(quote("ab'c"), "'ab\\'c'");
  EXPECT_EQ(quote(std::string("a\0b\x1b[31m", 8)), "'a\\x00b\\x1b[31m'");
  EXPECT_EQ(quote("\xff\n"), "'\\xff\\n'");
  EXPECT_EQ(quote("abcdef", 3), "'abc...'");
}

TEST(Parse, Split) {
  EXPECT_EQ(split("a,b,,c", ','), (std::vector<std::string>{"a", "b", "", "c"}));
  EXPECT_EQ(split("", ','), (std::vector<std::string>{""}));
}

TEST(Args, TypedGettersNameTheKey) {
  Args a("--");
  a.add("servers=0");
  a.add("rate=fast");
  a.add("mode=x");
  EXPECT_EQ(error_of([&] { a.get_int("servers", 1, {.min = 1}); }), "--servers: expected an integer >= 1, given '0'");
  EXPECT_EQ(error_of([&] { a.get_double("rate", 1.0); }), "--rate: expected a finite number, given 'fast'");
  EXPECT_EQ(error_of([&] { a.get_choice("mode", "a", {"a", "b"}); }), "--mode: expected one of a, b, given 'x'");
  EXPECT_EQ(a.get_int("absent", 5), 5);
  EXPECT_THROW(a.add("novalue"), ValueError);
  EXPECT_THROW(a.add("=1"), ValueError);
}

TEST(Args, TracksWhatWasRead) {
  Args a;
  a.add("x=1");
  a.add("y=2");
  a.add("x=3");  // the last one wins
  EXPECT_EQ(a.get_int("x", 0), 3);
  EXPECT_EQ(a.unread(), std::vector<std::string>{"y"});
}

struct Thing {
  int value;
};
using ThingRegistry = Registry<std::unique_ptr<Thing>(int)>;

ThingRegistry make_registry() {
  ThingRegistry r("thing");
  r.add({"plus", "adds k", {{"k", "what to add", "1"}},
         [](const Args& a, int base) { return std::make_unique<Thing>(Thing{base + static_cast<int>(a.get_int("k", 1))}); }});
  r.add({"same", "returns its input; no arguments", {}, [](const Args&, int base) { return std::make_unique<Thing>(Thing{base}); }});
  return r;
}

TEST(Registry, MakesByNameAndRejectsWhatNobodyRead) {
  const ThingRegistry r = make_registry();
  Args a("--");
  a.add("k=5");
  EXPECT_EQ(r.make("plus", a, 10)->value, 15);
  EXPECT_EQ(r.make("plus", Args(), 10)->value, 11);
  EXPECT_EQ(error_of([&] { r.make("same", a, 1); }), "thing 'same' takes no --k (it takes: returns its input; no arguments)");
  Args typo("--");
  typo.add("kk=5");
  EXPECT_EQ(error_of([&] { r.make("plus", typo, 1); }), "thing 'plus' takes no --kk (it takes: --k)");
  EXPECT_EQ(error_of([&] { r.at("minus"); }), "unknown thing 'minus' (known: plus, same)");
  EXPECT_EQ(r.names(), (std::vector<std::string>{"plus", "same"}));
}

TEST(Registry, NamesAreUnique) {
  ThingRegistry r = make_registry();
  EXPECT_THROW(r.add({"plus", "again", {}, [](const Args&, int) { return std::make_unique<Thing>(); }}), ValueError);
  EXPECT_THROW(r.add({"empty", "no factory", {}, nullptr}), ValueError);
}

}  // namespace
}  // namespace tern
