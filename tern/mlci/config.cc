#include "tern/base/parse.h"
#include "tern/mlci/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"

namespace tern::mlci {

namespace {

constexpr size_t kMaxConfigBytes = 64 * 1024;
constexpr int kMaxNesting = 32;

// Values echoed in messages: cut, and escaped so a message stays one line.
std::string printable(const std::string& s, size_t limit = 40) {
  std::string out;
  for (char c : s.substr(0, limit)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return s.size() > limit ? out + "..." : out;
}

struct Ctx {
  const std::string& name;
  [[noreturn]] void fail(const YAML::Mark& m, const std::string& what) const {
    if (m.is_null()) TERN_FAIL(name, ": ", what);
    TERN_FAIL(name, ":", m.line + 1, ":", m.column + 1, ": ", what);
  }
};

// yaml-cpp recurses once per nesting level; refuse pathological nesting
// before handing it the text so a malformed file cannot exhaust the stack.
void check_nesting(std::string_view text, const std::string& name) {
  int line = 1, depth = 0, per_line = 0;
  for (char c : text) {
    if (c == '\n') {
      ++line;
      per_line = 0;
      continue;
    }
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') depth = std::max(0, depth - 1);
    if (c == '-' || c == ':' || c == '?') ++per_line;
    TERN_CHECK(depth <= kMaxNesting && per_line <= 4 * kMaxNesting, name, ":", line,
               ": expected a flat configuration, got nesting deeper than ", kMaxNesting, " levels");
  }
}

std::string scalar(const Ctx& ctx, const YAML::Node& v, const std::string& key) {
  if (!v.IsScalar()) ctx.fail(v.Mark(), "'" + key + "': expected a single value, got a list or mapping");
  return v.Scalar();
}

double number(const Ctx& ctx, const YAML::Node& v, const std::string& key) {
  const std::string s = scalar(ctx, v, key);
  try {
    return parse_double(s, key);
  } catch (const ValueError&) {
    ctx.fail(v.Mark(), "'" + key + "': expected a number, got '" + printable(s) + "'");
  }
}

void apply(const Ctx& ctx, Config& cfg, std::set<std::string>& seen, const YAML::Node& key_node,
           const YAML::Node& value) {
  const std::string key = scalar(ctx, key_node, "key");
  if (!seen.insert(key).second) ctx.fail(key_node.Mark(), str_cat("'", printable(key), "' is given twice"));
  const YAML::Mark mark = value.Mark();
  try {
    if (key == "condition") {
      cfg.settings.condition = parse_condition(scalar(ctx, value, key));
    } else if (key == "reliability") {
      cfg.settings.reliability = number(ctx, value, key);
      if (!(cfg.settings.reliability > 0 && cfg.settings.reliability < 1))
        ctx.fail(mark, "'reliability': expected a probability strictly between 0 and 1 (e.g. 0.999), got " +
                           printable(scalar(ctx, value, key)));
    } else if (key == "mode") {
      cfg.settings.mode = parse_mode(scalar(ctx, value, key));
    } else if (key == "adaptivity") {
      cfg.settings.adaptivity = parse_adaptivity(scalar(ctx, value, key));
    } else if (key == "steps") {
      const double h = number(ctx, value, key);
      if (!(h >= 1 && h <= 1e6 && h == std::floor(h)))
        ctx.fail(mark, "'steps': expected an integer between 1 and 1000000, got " + printable(scalar(ctx, value, key)));
      cfg.settings.steps = static_cast<int64_t>(h);
    } else if (key == "script") {
      cfg.script = scalar(ctx, value, key);
    } else if (key == "timeout") {
      const double t = number(ctx, value, key);
      if (!(t > 0 && t <= 7 * 24 * 3600))
        ctx.fail(mark, "'timeout': expected seconds in (0, 604800], got " + printable(scalar(ctx, value, key)));
      cfg.script_timeout_s = t;
    } else if (key == "labels") {
      cfg.labels = scalar(ctx, value, key);
    } else if (key == "state") {
      cfg.state_dir = scalar(ctx, value, key);
    } else if (key == "d_bound") {
      const double p = number(ctx, value, key);
      if (!(p > 0 && p <= 1)) ctx.fail(mark, "'d_bound': expected a value in (0, 1], got " + printable(scalar(ctx, value, key)));
      cfg.d_bound = p;
    } else if (key == "data_mode" || key == "email") {
      // ease.ml/ci keys for its own data handling and mail; not used here.
    } else {
      ctx.fail(key_node.Mark(), "unknown key '" + printable(key) +
                                    "'; expected condition, reliability, mode, adaptivity, steps, script, "
                                    "timeout, labels, state or d_bound");
    }
  } catch (const ValueError& e) {
    const std::string what = e.what();
    if (what.rfind(ctx.name + ":", 0) == 0) throw;  // already located
    ctx.fail(mark, what);
  }
}

void apply_mapping(const Ctx& ctx, Config& cfg, std::set<std::string>& seen, const YAML::Node& map) {
  for (const auto& kv : map) apply(ctx, cfg, seen, kv.first, kv.second);
}

// Where a second document starts, if the stream has one. Through the event
// interface with at most two documents read: yaml-cpp's LoadAll can loop on
// a malformed stream, building empty documents until memory runs out.
std::optional<YAML::Mark> second_document(const std::string& text) {
  struct Starts final : YAML::EventHandler {
    std::optional<YAML::Mark> last;
    void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  } starts;
  std::istringstream in(text);
  YAML::Parser parser(in);
  if (!parser.HandleNextDocument(starts)) return std::nullopt;
  starts.last.reset();
  if (!parser.HandleNextDocument(starts)) return std::nullopt;
  return starts.last;
}

}  // namespace

Config parse_config(std::string_view text, const std::string& name) {
  TERN_CHECK(text.size() <= kMaxConfigBytes, name, ": expected a configuration of at most ", kMaxConfigBytes,
             " bytes, got ", text.size());
  check_nesting(text, name);
  const Ctx ctx{name};
  YAML::Node root;
  try {
    const std::string copy(text);
    root = YAML::Load(copy);
    if (const auto second = second_document(copy))
      ctx.fail(*second, "expected one YAML document, got a second one (after '---' it would be ignored)");
  } catch (const YAML::Exception& e) {
    ctx.fail(e.mark, "not valid YAML: " + printable(e.msg, 200));
  }
  Config cfg;
  cfg.source = name;
  std::set<std::string> seen;
  try {
    if (!root.IsMap()) ctx.fail(root.Mark(), "expected a mapping of settings (condition:, reliability:, ...) or ml:");
    if (root["ml"]) {
      if (root.size() != 1) ctx.fail(root.Mark(), "expected only 'ml:' at the top level of an ease.ml/ci file");
      const YAML::Node ml = root["ml"];
      if (ml.IsSequence()) {
        for (const auto& item : ml) {
          if (!item.IsMap() || item.size() != 1)
            ctx.fail(item.Mark(), "expected '- key : value' items under 'ml:' (ease.ml/ci layout)");
          apply_mapping(ctx, cfg, seen, item);
        }
      } else if (ml.IsMap()) {
        apply_mapping(ctx, cfg, seen, ml);
      } else {
        ctx.fail(ml.Mark(), "'ml': expected a list of '- key : value' items");
      }
    } else {
      apply_mapping(ctx, cfg, seen, root);
    }
  } catch (const YAML::Exception& e) {
    ctx.fail(e.mark, "unexpected YAML structure: " + printable(e.msg, 200));
  }
  for (const char* required : {"condition", "reliability", "mode", "adaptivity", "steps"})
    if (!seen.count(required)) TERN_FAIL(name, ": missing required key '", required, "'");
  validate(cfg.settings);
  return cfg;
}

Config load_config(const std::string& path) { return parse_config(read_file(path), path); }

std::string find_config(const std::string& dir) {
  for (const char* n : {".ternci.yml", ".ternci.yaml", ".easeml.yml", ".easeml.yaml"}) {
    const auto p = std::filesystem::path(dir) / n;
    if (std::filesystem::exists(p)) return p.string();
  }
  TERN_FAIL("no CI configuration found in '", dir, "': expected .ternci.yml or .easeml.yml");
}

}  // namespace tern::mlci
