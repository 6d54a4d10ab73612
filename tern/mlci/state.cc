#include "tern/mlci/state.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"

namespace tern::mlci {

namespace fs = std::filesystem;
using nlohmann::json;

std::string state_path(const std::string& dir) { return (fs::path(dir) / "state.json").string(); }
std::string accepted_path(const std::string& dir) { return (fs::path(dir) / "accepted.txt").string(); }
std::string sealed_log_path(const std::string& dir) { return (fs::path(dir) / "sealed.log").string(); }

State load_state(const std::string& dir) {
  State s;
  const std::string path = state_path(dir);
  if (!fs::exists(path)) return s;
  json j;
  try {
    j = json::parse(read_file(path));
    TERN_CHECK(j.value("version", 0) == 1, path, ": expected state version 1, got ", j.value("version", 0));
    s.testset = j.at("testset").get<std::string>();
    s.test_size = j.at("test_size").get<int64_t>();
    s.steps_used = j.at("steps_used").get<int64_t>();
    s.first_result = j.at("first_result").get<std::string>();
    s.retired = j.at("retired").get<bool>();
    s.accepted_commit = j.at("accepted_commit").get<std::string>();
    s.accepted_testset = j.value("accepted_testset", std::string());
    for (const auto& h : j.at("history"))
      s.history.push_back({h.at("step").get<int64_t>(), h.at("commit").get<std::string>(),
                           h.at("testset").get<std::string>(), h.at("result").get<std::string>()});
  } catch (const json::exception& e) {
    TERN_FAIL(path, ": damaged CI state (", e.what(), "); restore it from backup or remove the directory");
  }
  return s;
}

void save_state(const std::string& dir, const State& s) {
  fs::create_directories(dir);
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
  write_file_atomic(state_path(dir), j.dump(2) + "\n");
}

void append_sealed(const std::string& dir, const std::string& json_line) {
  fs::create_directories(dir);
  const std::string path = sealed_log_path(dir);
  std::string log = fs::exists(path) ? read_file(path) : std::string();
  log += json_line;
  log += '\n';
  write_file_atomic(path, log);
}

}  // namespace tern::mlci
