// The one way Tern chooses an implementation by name: a registry of named
// factories that take their settings as Args (args.h). Codecs, optimisers,
// learning-rate schedules, distributed strategies, aggregation rules, send
// schedulers and graph passes all use it, so every choice by name behaves
// the same: an unknown name lists the known ones, a key the factory did not
// read is an error naming it, a bad value names the key and the range.
//
//   Registry<std::unique_ptr<Codec>()> codecs("codec");
//   codecs.add({"3lc", "3-value quantization; s=1.0 in [1, 2)", {}, &make_threelc});
//   auto c = codecs.make("3lc", args);   // make_threelc(args), then unread keys are rejected
//
// The signature names what a factory returns and the extra arguments it
// takes after its Args: Registry<std::unique_ptr<Optimizer>(std::vector<ParamRef>)>.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tern/base/args.h"
#include "tern/base/error.h"

namespace tern {

// One argument a factory reads, for help texts and for front ends that turn
// arguments into flags (the CLI makes `--servers` from {"servers", ...}).
struct ArgDoc {
  std::string key;
  std::string help;
  std::string default_text;  // empty: no default shown
  bool is_flag = false;      // takes no value on a command line ("true" when given)
  bool repeatable = false;   // may be given several times: the values arrive joined with ','
  std::string value_name;    // how a help text shows the value: "INT", "NAME", "K=V" (empty: TEXT)

  ArgDoc(std::string key, std::string help, std::string default_text = "", bool is_flag = false,
         bool repeatable = false, std::string value_name = "")
      : key(std::move(key)), help(std::move(help)), default_text(std::move(default_text)), is_flag(is_flag),
        repeatable(repeatable), value_name(std::move(value_name)) {}
};

template <typename Signature>
class Registry;

template <typename R, typename... Extra>
class Registry<R(Extra...)> {
 public:
  using Factory = std::function<R(const Args&, Extra...)>;
  struct Entry {
    std::string name;
    std::string help;           // one line: what it is (and, without docs, its arguments)
    std::vector<ArgDoc> args;   // may be empty
    Factory make;
  };

  // `kind` names the things in messages: "codec", "optimizer", "strategy".
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  // Throws ValueError if the name is taken.
  void add(Entry entry) {
    TERN_CHECK(!contains(entry.name), "a ", kind_, " named '", entry.name, "' is registered already");
    TERN_CHECK(static_cast<bool>(entry.make), kind_, " '", entry.name, "' has no factory");
    entries_.push_back(std::move(entry));
  }

  bool contains(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return true;
    return false;
  }

  // Throws ValueError listing the known names.
  const Entry& at(std::string_view name) const {
    for (const Entry& e : entries_)
      if (e.name == name) return e;
    TERN_FAIL("unknown ", kind_, " ", quote(name), " (known: ", join_names(), ")");
  }

  // Calls the factory with a private copy of `args` (which tracks the keys
  // it reads), then rejects every key it left unread.
  R make(std::string_view name, const Args& args, Extra... extra) const {
    const Entry& e = at(name);
    Args mine = args;
    R made = e.make(mine, std::forward<Extra>(extra)...);
    check_all_read(e, mine);
    return made;
  }

  // The error make() raises for keys the factory did not read.
  void check_all_read(const Entry& e, const Args& args) const {
    const std::vector<std::string> unread = args.unread();
    if (unread.empty()) return;
    std::string keys, takes;
    for (const std::string& k : unread) keys += (keys.empty() ? "" : ", ") + args.spell(k);
    // Flags are listed as spelt ("--servers"); other keys bare ("s, zero_run").
    const bool flags = args.key_prefix().rfind('-', 0) == 0;
    for (const ArgDoc& d : e.args) takes += (takes.empty() ? "" : ", ") + (flags ? args.spell(d.key) : d.key);
    if (e.args.empty()) takes = e.help;
    TERN_FAIL(kind_, " '", e.name, "' takes no ", keys, " (it takes: ", takes.empty() ? "nothing" : takes, ")");
  }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Entry& e : entries_) out.push_back(e.name);
    return out;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }
  const std::string& kind() const { return kind_; }

 private:
  std::string join_names() const {
    std::string out;
    for (const Entry& e : entries_) out += (out.empty() ? "" : ", ") + e.name;
    return out;
  }
  std::string kind_;
  std::vector<Entry> entries_;
};

}  // namespace tern
