#include "tools/tern/dist_flags.h"

#include <cstdio>
#include <map>

#include "tern/distributed/run.h"

namespace tern::cli {

struct DistFlags {
  std::string strategy = "none";
  std::vector<ArgDoc> docs;
  std::map<std::string, std::vector<std::string>> values;  // key -> what was given (repeatable: several)
  std::map<std::string, bool> switches;                   // key -> flag given
};

std::shared_ptr<DistFlags> add_dist_flags(CLI::App& cmd) {
  auto f = std::make_shared<DistFlags>();
  std::string help = "distributed training under mpirun: none";
  std::vector<std::string> names = {"none"};
  for (const auto& e : distributed::strategy_registry()) {
    help += ", " + e.name + " (" + e.help + ")";
    names.push_back(e.name);
  }
  help += "; --batch-size is then the global batch, split evenly over the workers";
  cmd.add_option("--dist", f->strategy, help)->check(CLI::IsMember(names))->capture_default_str();
  f->docs = distributed::strategy_flags();
  for (const ArgDoc& d : f->docs) {
    if (d.is_flag) cmd.add_flag("--" + d.key, f->switches[d.key], d.help);
    else
      cmd.add_option("--" + d.key, f->values[d.key], d.help)
          ->type_name(d.value_name.empty() ? "TEXT" : d.value_name)
          ->expected(1)
          ->multi_option_policy(d.repeatable ? CLI::MultiOptionPolicy::TakeAll : CLI::MultiOptionPolicy::TakeLast);
  }
  return f;
}

bool run_dist_flags(const CLI::App& cmd, const DistFlags& f, const train::TrainOptions& opt, bool json) {
  Args flags("--");
  for (const ArgDoc& d : f.docs) {
    if (cmd.count("--" + d.key) == 0) continue;
    if (d.is_flag) {
      flags.set(d.key, "true");
      continue;
    }
    std::string joined;
    for (const std::string& v : f.values.at(d.key)) joined += (joined.empty() ? "" : ",") + v;
    flags.set(d.key, joined);
  }
  if (f.strategy == "none") {
    distributed::reject_strategy_flags(flags);
    return false;
  }
  distributed::RunPlan plan = distributed::plan_run(f.strategy, flags, opt);
  distributed::RunHooks hooks;
  if (!json) hooks.inform = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
  const distributed::RunReport r = distributed::run(plan, hooks);
  if (!r.leader) return true;
  if (json) {
    std::printf("%s\n", distributed::report_json(r).dump().c_str());
  } else {
    for (const std::string& line : distributed::report_lines(r)) std::printf("%s\n", line.c_str());
  }
  return true;
}

}  // namespace tern::cli
