#include "tern/mlci/check.h"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/mlci/decide.h"
#include "tern/mlci/predictions.h"
#include "tern/mlci/state.h"

namespace tern::mlci {

namespace {

std::string fixed(double x, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, x);
  return buf;
}

std::string plan_summary(const Plan& p) {
  std::string s = std::to_string(p.examples) + " examples, " + std::to_string(p.labels) + " labels (";
  for (size_t i = 0; i < p.lines.size(); ++i) {
    if (i) s += "; ";
    s += p.lines[i].clause + ": " + p.lines[i].bound;
  }
  return s + ")";
}

}  // namespace

void set_baseline(const std::string& state_dir, const std::vector<int64_t>& predictions, const std::string& commit,
                  const std::string& testset) {
  std::filesystem::create_directories(state_dir);
  StateCommit c;
  c.state = load_state(state_dir);
  c.set_accepted = true;
  c.accepted = format_classes(predictions);
  c.state.accepted_commit = commit;
  c.state.accepted_testset = testset;
  c.state.history.push_back({0, commit, testset, "baseline"});
  commit_state(state_dir, c);
}

CheckOutcome run_check(const CheckInput& in) {
  const Settings& st = in.config.settings;
  const std::string& dir = in.config.state_dir;
  CheckOutcome out;
  State state = load_state(dir);
  TERN_CHECK(std::filesystem::exists(accepted_path(dir)), "no accepted model yet in '", dir,
             "': record the current one with `tern ci baseline --predictions FILE`");
  const std::string testset = fingerprint(in.labels);
  TERN_CHECK(state.accepted_testset.empty() || state.accepted_testset == testset,
             "the test set changed since the accepted model (", state.accepted_commit,
             ") was recorded; its predictions on the new test set are needed: run `tern ci baseline "
             "--predictions FILE` with them");
  state.accepted_testset = testset;
  const std::vector<int64_t> old_pred = read_classes(accepted_path(dir));
  const auto test_size = static_cast<int64_t>(in.labels.size());
  TERN_CHECK(in.new_pred.size() == in.labels.size() && old_pred.size() == in.labels.size(),
             "expected one prediction per test example (", test_size, "), got ", in.new_pred.size(),
             " from the new model and ", old_pred.size(), " from the accepted one");

  if (testset != state.testset) {  // a new test set: a fresh budget
    state.testset = testset;
    state.test_size = test_size;
    state.steps_used = 0;
    state.first_result.clear();
    state.retired = false;
  }
  const Requirement req = requirement(st, test_size, disagreement(in.new_pred, old_pred));
  const std::string need = "a new test set of at least " + plan_summary(req.plan);
  if (state.retired || state.steps_used >= st.steps) {
    out.report.push_back(std::string("this test set is spent (") +
                         (state.retired ? "the result changed under adaptivity firstChange"
                                        : std::to_string(st.steps) + " of " + std::to_string(st.steps) + " steps used") +
                         "); provide " + need);
    save_state(dir, state);
    return out;
  }
  if (!req.enough) {
    out.report.push_back("the test set has " + std::to_string(test_size) + " examples; the condition needs " +
                         plan_summary(req.plan) + "; provide " + need);
    return out;
  }

  const Estimates e = measure(in.labels, in.new_pred, old_pred);
  const Decision dec = decide(st, e.n, e.o, e.d);
  // Hierarchical testing: clauses over d need no labels and are decided
  // first; if one fails, the commit fails without consulting any label.
  bool failed_on_d = false;
  for (const Clause& c : st.condition.clauses)
    failed_on_d |= c.label_free() && !clause_passes(c, st.mode, c.lhs({0.0, 0.0, e.d}));
  const int64_t labels_used = failed_on_d ? 0 : req.active_labelling ? e.disagreements : test_size;
  out.passed = dec.pass;
  ++state.steps_used;
  const bool sealed = st.adaptivity == Adaptivity::kNone;
  const std::string result = dec.pass ? "pass" : "fail";
  if (st.adaptivity == Adaptivity::kFirstChange) {
    if (state.first_result.empty()) state.first_result = result;
    else if (state.first_result != result) state.retired = true;
  }
  state.history.push_back({state.steps_used, in.commit, testset, sealed ? "sealed" : result});
  StateCommit commit;
  if (dec.pass) {
    commit.set_accepted = true;
    commit.accepted = format_classes(in.new_pred);
    state.accepted_commit = in.commit;
  }

  nlohmann::json log = {{"commit", in.commit}, {"step", state.steps_used}, {"testset", testset},
                        {"result", result},    {"n", e.n},                   {"o", e.o},
                        {"d", e.d},            {"examples", e.examples},     {"labels", labels_used},
                        {"bound", plan_summary(req.plan)}, {"mode", mode_name(st.mode)}};
  commit.sealed_line = log.dump();
  commit.state = state;
  commit_state(dir, commit);  // baseline, budget and log change together

  const std::string step = "step " + std::to_string(state.steps_used) + " of " + std::to_string(st.steps);
  if (sealed) {
    out.verdict = Verdict::kSealed;
    out.exit_code = 0;
    out.report.push_back("recorded commit " + in.commit + " (" + step +
                         "); adaptivity none: the result is sealed in " + sealed_log_path(dir));
  } else {
    out.verdict = dec.pass ? Verdict::kPass : Verdict::kFail;
    out.exit_code = dec.pass ? 0 : 1;
    out.report.push_back("estimates on " + std::to_string(e.examples) + " examples (" +
                         std::to_string(labels_used) + " labels" +
                         (failed_on_d ? ", failed on d before any label was needed"
                          : req.active_labelling ? ", active labelling" : "") +
                         "): " + (failed_on_d ? "d=" + fixed(e.d)
                                              : "n=" + fixed(e.n) + " o=" + fixed(e.o) + " d=" + fixed(e.d)));
    out.report.push_back("sample size by " + plan_summary(req.plan) + ", reliability " + fixed(st.reliability, 6) +
                         ", adaptivity " + adaptivity_name(st.adaptivity));
    for (const auto& c : dec.clauses)
      out.report.push_back(std::string(c.pass ? "  pass  " : "  FAIL  ") + c.clause + "   (estimate " +
                           fixed(c.value) + ", mode " + mode_name(st.mode) + ")");
    out.report.push_back(std::string(dec.pass ? "PASS" : "FAIL") + " (" + step + ")");
  }
  if (state.retired || state.steps_used >= st.steps)
    out.report.push_back("this test set is now spent; the next check needs " + need);
  return out;
}

}  // namespace tern::mlci
