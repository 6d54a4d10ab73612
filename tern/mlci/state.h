// What `tern ci check` remembers between commits, in <state dir>/:
//   state.json    test-set identity and budget, accepted model, history
//                 (results are "sealed" there when adaptivity is none)
//   accepted.txt  the last accepted model's predictions (the "old" model)
//   sealed.log    one JSON line per check with the full result; for
//                 adaptivity none it is the only place the result goes, so
//                 it must live where the developer cannot read it (the CI
//                 server's state directory).
// Every file is replaced atomically (tern::write_file_atomic): a crash never
// leaves a half-written state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::mlci {

struct HistoryEntry {
  int64_t step = 0;  // 1-based step on the current test set
  std::string commit;
  std::string testset;
  std::string result;  // "pass", "fail", or "sealed" (adaptivity none)
};

struct State {
  std::string testset;  // fingerprint of the test set's labels
  int64_t test_size = 0;
  int64_t steps_used = 0;
  std::string first_result;  // firstChange: the result the developer saw first
  bool retired = false;      // firstChange: the result changed; test set spent
  std::string accepted_commit;
  // Fingerprint of the test set accepted.txt was predicted on ("" unknown):
  // the old model's predictions only line up with that test set.
  std::string accepted_testset;
  std::vector<HistoryEntry> history;
};

State load_state(const std::string& dir);  // empty State if none yet
void save_state(const std::string& dir, const State& s);
std::string state_path(const std::string& dir);
std::string accepted_path(const std::string& dir);
std::string sealed_log_path(const std::string& dir);
// Appends one line to the sealed log (rewritten atomically).
void append_sealed(const std::string& dir, const std::string& json_line);

}  // namespace tern::mlci
