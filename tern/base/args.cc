#include "tern/base/args.h"

#include "tern/base/error.h"

namespace tern {

void Args::add(std::string_view key_eq_value) {
  const size_t eq = key_eq_value.find('=');
  TERN_CHECK(eq != std::string_view::npos && eq > 0, prefix_, ": expected key=value, given ", quote(key_eq_value));
  kv_[std::string(key_eq_value.substr(0, eq))] = std::string(key_eq_value.substr(eq + 1));
}

const std::string* Args::find(const std::string& key) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return nullptr;
  read_[key] = true;
  return &it->second;
}

std::string Args::get_string(const std::string& key, const std::string& fallback) const {
  const std::string* v = find(key);
  return v ? *v : fallback;
}

int64_t Args::get_int(const std::string& key, int64_t fallback, IntRange range) const {
  const std::string* v = find(key);
  return v ? parse_int(*v, spell(key), range) : fallback;
}

double Args::get_double(const std::string& key, double fallback, RealRange range) const {
  const std::string* v = find(key);
  return v ? parse_double(*v, spell(key), range) : fallback;
}

bool Args::get_bool(const std::string& key, bool fallback) const {
  const std::string* v = find(key);
  return v ? parse_bool(*v, spell(key)) : fallback;
}

int64_t Args::get_size(const std::string& key, int64_t fallback, IntRange range) const {
  const std::string* v = find(key);
  return v ? parse_size(*v, spell(key), range) : fallback;
}

std::string Args::get_choice(const std::string& key, const std::string& fallback,
                             const std::vector<std::string>& choices) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  std::string list;
  for (const std::string& c : choices) {
    if (c == *v) return c;
    list += (list.empty() ? "" : ", ") + c;
  }
  TERN_FAIL(spell(key), ": expected one of ", list, ", given ", quote(*v));
}

std::vector<std::string> Args::unread() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : kv_)
    if (!read_.count(k)) out.push_back(k);
  return out;
}

}  // namespace tern
