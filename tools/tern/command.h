// The `tern` CLI is one binary with subcommands (CLI11). Each subcommand lives
// in its own file `cmd_<name>.cc` in this folder and registers itself:
//
//   static void setup(CLI::App& root) {
//     auto* cmd = root.add_subcommand("models", "List the model zoo");
//     cmd->callback([] { ...; });
//   }
//   TERN_CLI_COMMAND(setup);
//
// Callbacks throw tern::Error on bad input: main() prints "tern: error: <msg>"
// on one line and exits 2. A command that reports a negative verdict (a CI
// check failed, anomalies found) calls set_exit_code(1).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace tern::cli {

using CommandSetup = std::function<void(CLI::App& root)>;

std::vector<CommandSetup>& command_setups();
void set_exit_code(int code);
int exit_code();

// A subcommand group shared by several files (e.g. `tern bench`): returns
// the existing one or creates it.
inline CLI::App* shared_group(CLI::App& root, const std::string& name, const std::string& description) {
  for (CLI::App* sub : root.get_subcommands([&](CLI::App* s) { return s->get_name() == name; })) return sub;
  CLI::App* group = root.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

struct CommandRegistrar {
  explicit CommandRegistrar(CommandSetup setup) { command_setups().push_back(std::move(setup)); }
};

}  // namespace tern::cli

#define TERN_CLI_CONCAT_INNER(a, b) a##b
#define TERN_CLI_CONCAT(a, b) TERN_CLI_CONCAT_INNER(a, b)
#define TERN_CLI_COMMAND(setup_fn) \
  static ::tern::cli::CommandRegistrar TERN_CLI_CONCAT(tern_cli_registrar_, __LINE__)(setup_fn)
