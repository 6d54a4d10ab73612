// What `tern ci check` remembers between commits, in <state dir>/:
//   state.json    test-set identity and budget, accepted model, history
//                 (results are "sealed" there when adaptivity is none)
//   accepted.txt  the last accepted model's predictions (the "old" model)
//   sealed.log    one JSON line per check with the full result; for
//                 adaptivity none it is the only place the result goes, so
//                 it must live where the developer cannot read it (the CI
//                 server's state directory).
// One check changes up to three files; they change together through a
// journal (journal.json, written atomically first, then applied, then
// removed): a kill at any moment leaves either the old state or a journal
// that the next load_state completes, never a new baseline with an old
// budget. Numbers in state.json are range-checked on load.
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

// Completes an interrupted commit first (see above); empty State if none yet.
State load_state(const std::string& dir);
void save_state(const std::string& dir, const State& s);

// Everything one check or baseline changes, committed as one step.
struct StateCommit {
  State state;
  bool set_accepted = false;
  std::string accepted;     // the new accepted.txt (with set_accepted)
  std::string sealed_line;  // appended to sealed.log (empty: nothing)
};
void commit_state(const std::string& dir, const StateCommit& c);
std::string journal_path(const std::string& dir);
std::string state_path(const std::string& dir);
std::string accepted_path(const std::string& dir);
std::string sealed_log_path(const std::string& dir);

}  // namespace tern::mlci
