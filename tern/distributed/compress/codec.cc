#include "tern/distributed/compress/codec.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "tern/base/error.h"
#include "tern/distributed/compress/builtin.h"

namespace tern::distributed::compress {

void CodecArgs::add(std::string_view key_eq_value) {
  const size_t eq = key_eq_value.find('=');
  TERN_CHECK(eq != std::string_view::npos && eq > 0, "codec argument: expected key=value, given '",
             key_eq_value, "'");
  kv_[std::string(key_eq_value.substr(0, eq))] = std::string(key_eq_value.substr(eq + 1));
}

const std::string* CodecArgs::find(const std::string& key) const {
  auto it = kv_.find(key);
  if (it == kv_.end()) return nullptr;
  read_[key] = true;
  return &it->second;
}

double CodecArgs::get_double(const std::string& key, double fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  TERN_CHECK(!v->empty() && end == v->c_str() + v->size() && std::isfinite(d), "codec argument ", key,
             ": expected a finite number, given '", *v, "'");
  return d;
}

int64_t CodecArgs::get_int(const std::string& key, int64_t fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  int64_t x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  TERN_CHECK(ec == std::errc() && p == v->data() + v->size(), "codec argument ", key,
             ": expected an integer, given '", *v, "'");
  return x;
}

bool CodecArgs::get_bool(const std::string& key, bool fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  if (*v == "1" || *v == "true" || *v == "on" || *v == "yes") return true;
  if (*v == "0" || *v == "false" || *v == "off" || *v == "no") return false;
  TERN_FAIL("codec argument ", key, ": expected 0/1/true/false/on/off, given '", *v, "'");
}

std::vector<std::string> CodecArgs::unread() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : kv_)
    if (!read_.count(k)) out.push_back(k);
  return out;
}

namespace {

std::vector<CodecInfo>& registry() {
  static std::vector<CodecInfo> r = {
      {"none", "fp32, uncompressed (4 bytes/element)", detail::make_none},
      {"fp16", "IEEE half precision, round to nearest even; ef=0", detail::make_fp16},
      {"int8", "scaled int8, scale = max|y|/127; ef=0", detail::make_int8},
      {"3lc", "3LC: 3-value quantization, base-3^5, zero runs; s=1.0 in [1,2), zero_run=1",
       detail::make_threelc},
      {"terngrad", "TernGrad stochastic ternary, scale = max|y|; seed=0, ef=0", detail::make_terngrad},
      {"qsgd", "QSGD stochastic quantization to s levels of |y|/||y||_2; s=4, seed=0, ef=0",
       detail::make_qsgd},
      {"topk", "top-k by magnitude with error feedback (DGC); ratio=0.01 or k=N, ef=1",
       detail::make_topk},
      {"randomk", "random-k with error feedback; ratio=0.01 or k=N, seed=0, ef=1", detail::make_randomk},
      {"sign", "EF-signSGD: sign bits scaled by mean|y|; ef=1", detail::make_sign},
      {"powersgd",
       "PowerSGD rank-r with error feedback and warm start; rank=4, cols=C (1-D shape), seed=0, ef=1",
       detail::make_powersgd},
  };
  return r;
}

}  // namespace

const std::vector<CodecInfo>& codec_registry() { return registry(); }

void register_codec(CodecInfo info) {
  for (const auto& c : registry())
    TERN_CHECK(c.name != info.name, "register_codec: a codec named '", info.name, "' exists already");
  TERN_CHECK(info.factory != nullptr, "register_codec: codec '", info.name, "' has no factory");
  registry().push_back(std::move(info));
}

std::unique_ptr<Codec> make_codec(const std::string& name, const CodecArgs& args) {
  for (const auto& c : registry()) {
    if (c.name != name) continue;
    CodecArgs a = args;  // a private copy tracks which keys this factory read
    auto codec = c.factory(a);
    const auto unread = a.unread();
    if (!unread.empty()) {
      std::string list;
      for (const auto& k : unread) list += (list.empty() ? "" : ", ") + k;
      TERN_FAIL("codec '", name, "' has no argument(s) ", list, " (it takes: ", c.help, ")");
    }
    return codec;
  }
  std::string known;
  for (const auto& c : registry()) known += (known.empty() ? "" : ", ") + c.name;
  TERN_FAIL("unknown codec '", name, "' (known: ", known, ")");
}

namespace detail {

void fit_state(CodecState& state, size_t n, bool with_error) {
  const size_t want = with_error ? n : 0;
  if (state.error.size() != want) {
    state.error.assign(want, 0.0f);
    state.aux.clear();
    state.step = 0;
  }
}

}  // namespace detail

}  // namespace tern::distributed::compress
