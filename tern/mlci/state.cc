#include "tern/mlci/state.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/base/parse.h"

namespace tern::mlci {

namespace fs = std::filesystem;
using nlohmann::json;

std::string state_path(const std::string& dir) { return (fs::path(dir) / "state.json").string(); }
std::string accepted_path(const std::string& dir) { return (fs::path(dir) / "accepted.txt").string(); }
std::string sealed_log_path(const std::string& dir) { return (fs::path(dir) / "sealed.log").string(); }
std::string journal_path(const std::string& dir) { return (fs::path(dir) / "journal.json").string(); }

namespace {

constexpr int64_t kMaxCount = int64_t{1} << 40;  // steps, examples: far beyond any real test set

int64_t count_at(const json& j, const char* key, const std::string& path) {
  const json& v = j.at(key);
  TERN_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() <= kMaxCount, path, ": '", key,
             "' must be an integer in [0, 2^40], got ", v.dump());
  return v.get<int64_t>();
}

json state_json(const State& s) {
  json j;
  j["version"] = 1;
  j["testset"] = s.testset;
  j["test_size"] = s.test_size;
  j["steps_used"] = s.steps_used;
  j["first_result"] = s.first_result;
  j["retired"] = s.retired;
  j["accepted_commit"] = s.accepted_commit;
  j["accepted_testset"] = s.accepted_testset;
  j["history"] = json::array();
  for (const auto& h : s.history)
    j["history"].push_back({{"step", h.step}, {"commit", h.commit}, {"testset", h.testset}, {"result", h.result}});
  return j;
}

// Applies a journal's files (idempotent: each is written whole) and removes it.
void apply_journal(const std::string& dir, const json& j) {
  if (j.contains("accepted")) write_file_atomic(accepted_path(dir), j.at("accepted").get<std::string>());
  if (j.contains("sealed_log")) write_file_atomic(sealed_log_path(dir), j.at("sealed_log").get<std::string>());
  write_file_atomic(state_path(dir), j.at("state").get<std::string>());
  fs::remove(journal_path(dir));
}

void recover(const std::string& dir) {
  const std::string path = journal_path(dir);
  if (!fs::exists(path)) return;
  json j;
  try {
    j = json::parse(read_file(path));
    TERN_CHECK(j.is_object() && j.contains("state"), path, ": expected a CI state journal");
  } catch (const json::exception& e) {
    // The journal is written atomically, so a damaged one was not ours.
    TERN_FAIL(path, ": damaged CI journal (", e.what(), "); restore the state directory from backup");
  }
  apply_journal(dir, j);
}

}  // namespace

State load_state(const std::string& dir) {
  recover(dir);
  State s;
  const std::string path = state_path(dir);
  if (!fs::exists(path)) return s;
  json j;
  try {
    j = json::parse(read_file(path));
    TERN_CHECK(j.value("version", 0) == 1, path, ": expected state version 1, got ", j.value("version", 0));
    s.testset = j.at("testset").get<std::string>();
    s.test_size = count_at(j, "test_size", path);
    s.steps_used = count_at(j, "steps_used", path);
    s.first_result = j.at("first_result").get<std::string>();
    s.retired = j.at("retired").get<bool>();
    s.accepted_commit = j.at("accepted_commit").get<std::string>();
    s.accepted_testset = j.value("accepted_testset", std::string());
    for (const auto& h : j.at("history"))
      s.history.push_back({count_at(h, "step", path), h.at("commit").get<std::string>(),
                           h.at("testset").get<std::string>(), h.at("result").get<std::string>()});
    TERN_CHECK(s.first_result.empty() || s.first_result == "pass" || s.first_result == "fail", path,
               ": 'first_result' must be \"\", \"pass\" or \"fail\", got ", quote(s.first_result));
  } catch (const json::exception& e) {
    TERN_FAIL(path, ": damaged CI state (", e.what(), "); restore it from backup or remove the directory");
  }
  return s;
}

void save_state(const std::string& dir, const State& s) {
  fs::create_directories(dir);
  write_file_atomic(state_path(dir), state_json(s).dump(2) + "\n");
}

void commit_state(const std::string& dir, const StateCommit& c) {
  fs::create_directories(dir);
  recover(dir);
  json j;
  j["state"] = state_json(c.state).dump(2) + "\n";
  if (c.set_accepted) j["accepted"] = c.accepted;
  if (!c.sealed_line.empty()) {
    const std::string path = sealed_log_path(dir);
    j["sealed_log"] = (fs::exists(path) ? read_file(path) : std::string()) + c.sealed_line + "\n";
  }
  write_file_atomic(journal_path(dir), j.dump());  // the commit point
  apply_journal(dir, j);
}

}  // namespace tern::mlci
