// Named arguments, as text: the key=value pairs a user gives to a codec
// (`--codec-arg s=1.9`), a strategy (`--servers 2`), an optimiser or a pass.
// A factory reads the keys it knows with typed, range-checked getters; the
// registry (registry.h) then rejects every key nobody read, so a typo is an
// error and not a silent default:
//
//   Args a("codec argument ");     // how errors name a key: "codec argument s"
//   a.add("s=1.9");
//   double s = a.get_double("s", 1.0, {.min = 1.0, .max = 2.0, ...});
//   a.unread();                    // keys given but never read
//
// Values stay text until read, so one Args can travel from the command line
// through a registry to the factory that knows their types.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tern/base/parse.h"

namespace tern {

class Args {
 public:
  // `key_prefix` is how error messages spell a key: "--" for flags
  // ("--servers: expected ..."), "codec argument " for codec arguments.
  explicit Args(std::string key_prefix = "argument ") : prefix_(std::move(key_prefix)) {}
  Args(std::map<std::string, std::string> kv, std::string key_prefix = "argument ")  // NOLINT: implicit by design
      : prefix_(std::move(key_prefix)), kv_(std::move(kv)) {}

  // Parses "k=v"; a repeated key: the last one wins.
  void add(std::string_view key_eq_value);
  void set(std::string key, std::string value) { kv_[std::move(key)] = std::move(value); }
  bool has(const std::string& key) const { return kv_.count(key) != 0; }
  bool empty() const { return kv_.empty(); }

  std::string get_string(const std::string& key, const std::string& fallback) const;
  int64_t get_int(const std::string& key, int64_t fallback, IntRange range = {}) const;
  double get_double(const std::string& key, double fallback, RealRange range = {}) const;
  bool get_bool(const std::string& key, bool fallback) const;
  int64_t get_size(const std::string& key, int64_t fallback, IntRange range = {0}) const;
  // One of `choices`; an error lists them.
  std::string get_choice(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& choices) const;

  // Keys given but never read by a getter, in key order.
  std::vector<std::string> unread() const;
  // How errors name `key`, e.g. "--servers".
  std::string spell(const std::string& key) const { return prefix_ + key; }
  const std::string& key_prefix() const { return prefix_; }
  const std::map<std::string, std::string>& items() const { return kv_; }

 private:
  const std::string* find(const std::string& key) const;
  std::string prefix_;
  std::map<std::string, std::string> kv_;
  mutable std::map<std::string, bool> read_;
};

}  // namespace tern
