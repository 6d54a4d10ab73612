#include "tern/distributed/run.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "tern/base/error.h"
#include "tern/base/timer.h"
#include "tern/distributed/collectives/collectives.h"
#include "tern/distributed/comm/counting_communicator.h"
#include "tern/distributed/comm/mpi_communicator.h"
#include "tern/train/report.h"

namespace tern::distributed {

namespace {

// The strategies that take `key`, as "--dist a|b".
std::string takers(const std::string& key) {
  std::string out;
  for (const auto& e : strategy_registry())
    for (const ArgDoc& d : e.args)
      if (d.key == key) out += (out.empty() ? "" : "|") + e.name;
  return out;
}

bool takes(const strategy::Registry::Entry& e, const std::string& key) {
  return std::any_of(e.args.begin(), e.args.end(), [&](const ArgDoc& d) { return d.key == key; });
}

// Roles travel between ranks as their index here.
constexpr const char* kRoles[] = {"worker", "server"};

int role_index(const std::string& role) {
  for (size_t i = 0; i < std::size(kRoles); ++i)
    if (role == kRoles[i]) return static_cast<int>(i);
  TERN_ASSERT(false, "unknown rank role '", role, "' (add it to kRoles in run.cc)");
}

}  // namespace

RunPlan plan_run(const std::string& name, const Args& flags, const train::TrainOptions& options) {
  train::check_train_options(options);  // before MPI starts: one line, not an abort on every rank
  const strategy::Registry::Entry& entry = strategy_registry().at(name);
  for (const auto& [key, value] : flags.items()) {
    if (takes(entry, key)) continue;
    const std::string who = takers(key);
    TERN_CHECK(who.empty(), flags.spell(key), " needs --dist ", who, " (not --dist ", name, ")");
  }
  RunPlan plan;
  plan.strategy = name;
  plan.impl = strategy_registry().make(name, flags, options);
  plan.options = options;
  return plan;
}

std::vector<ArgDoc> strategy_flags() {
  std::vector<ArgDoc> out;
  std::map<std::string, size_t> at;
  for (const auto& e : strategy_registry())
    for (const ArgDoc& d : e.args) {
      const std::string help = e.name + ": " + d.help + (d.default_text.empty() ? "" : " (default " + d.default_text + ")");
      auto it = at.find(d.key);
      if (it == at.end()) {
        at[d.key] = out.size();
        out.push_back(d);
        out.back().help = help;
        out.back().default_text.clear();  // defaults differ by strategy: they are in the help
      } else {
        ArgDoc& merged = out[it->second];
        TERN_ASSERT(merged.is_flag == d.is_flag && merged.repeatable == d.repeatable &&
                        merged.value_name == d.value_name,
                    "strategy flag --", d.key,
                    " is declared differently by two strategies");
        merged.help += "; " + help;
      }
    }
  return out;
}

void reject_strategy_flags(const Args& flags) {
  for (const auto& [key, value] : flags.items()) {
    const std::string who = takers(key);
    TERN_CHECK(who.empty(), flags.spell(key), " needs --dist ", who);
    TERN_FAIL(flags.spell(key), " is not a flag of any distributed strategy");
  }
}

RunReport run(RunPlan& plan, const RunHooks& hooks) {
  // Read before MPI starts: a singleton MPI_Init sets these itself.
  const bool launched = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
  std::unique_ptr<comm::Communicator> raw = comm::mpi_world();
  auto counters = std::make_shared<comm::TrafficCounters>();
  comm::CountingCommunicator world(*raw, counters);
  const int rank = world.rank();
  try {
    train::TrainOptions opt = plan.options;
    const int workers = plan.impl->workers(world.size());
    TERN_CHECK(opt.batch_size % workers == 0, "global batch ", opt.batch_size, " does not split evenly over ",
               workers, " workers");
    opt.batch_size /= workers;
    opt.progress = opt.progress && rank == 0;
    const strategy::Inform inform = [&](const std::string& line) {
      if (rank == 0) hooks.inform(line);
    };
    strategy::Outcome outcome = plan.impl->run(opt, world, inform);

    // Per-rank traffic, gathered on every rank over the uncounted communicator.
    std::vector<double> traffic(3 * world.size(), 0.0);
    traffic[3 * rank] = static_cast<double>(counters->bytes_sent);
    traffic[3 * rank + 1] = static_cast<double>(counters->bytes_received);
    traffic[3 * rank + 2] = role_index(outcome.role);
    collectives::allreduce(*raw, std::span<double>(traffic));

    RunReport r;
    r.leader = rank == 0;
    r.ranks = world.size();
    r.strategy = plan.strategy;
    r.options = plan.options;
    r.result = std::move(outcome.train);
    for (int q = 0; q < world.size(); ++q)
      r.traffic.push_back({q, kRoles[static_cast<int>(traffic[3 * q + 2])], traffic[3 * q], traffic[3 * q + 1]});
    if (r.leader) {
      r.details = outcome.details;
      plan.impl->describe(r.details);
      r.summary = plan.impl->summary();
    }
    return r;
  } catch (const std::exception& e) {
    if (world.size() == 1) {
      // Alone, nobody waits for this rank: a plain error (one line from the
      // caller), not MPI_Abort's banner. Started without mpirun? Say so.
      if (launched) throw;
      throw ValueError(str_cat(e.what(), " (this process runs alone: start distributed runs under mpirun, e.g. "
                                         "mpirun -np 4 tern train --dist ", plan.strategy, " ...)"));
    }
    end_progress_line();
    const std::string what = e.what();
    if (what.rfind("rank ", 0) == 0) std::fprintf(stderr, "%s: error: %s\n", hooks.program.c_str(), what.c_str());
    else std::fprintf(stderr, "%s: error: rank %d: %s\n", hooks.program.c_str(), rank, what.c_str());
    std::fflush(stderr);
    comm::abort_job(2);
  }
}

nlohmann::json report_json(const RunReport& r) {
  nlohmann::json j = train::result_json(r.options, r.result);
  j["dist"] = r.strategy;
  j["ranks"] = r.ranks;
  for (const auto& [k, v] : r.details.items()) j[k] = v;
  for (const RankTraffic& t : r.traffic)
    j["traffic"].push_back(
        {{"rank", t.rank}, {"role", t.role}, {"bytes_sent", t.bytes_sent}, {"bytes_received", t.bytes_received}});
  return j;
}

std::vector<std::string> report_lines(const RunReport& r) {
  std::vector<std::string> out;
  char buf[256];
  for (const RankTraffic& t : r.traffic) {
    std::snprintf(buf, sizeof buf, "rank %d (%s): sent %.2f MB, received %.2f MB", t.rank, t.role.c_str(),
                  t.bytes_sent / 1e6, t.bytes_received / 1e6);
    out.push_back(buf);
  }
  out.insert(out.end(), r.summary.begin(), r.summary.end());
  out.push_back(str_cat(train::result_line(r.options, r.result), " (", r.ranks, " ranks, --dist ", r.strategy, ")"));
  return out;
}

}  // namespace tern::distributed
