// tern: the command-line front end. Thin: parse, call the library, print.
#include <cstdio>
#include <exception>

#include "tern/base/error.h"
#include "tern/ops/kernel_provider.h"
#include "tools/tern/command.h"

namespace tern::cli {

std::vector<CommandSetup>& command_setups() {
  static std::vector<CommandSetup> setups;
  return setups;
}

namespace {
int g_exit_code = 0;
}
void set_exit_code(int code) { g_exit_code = code; }
int exit_code() { return g_exit_code; }

}  // namespace tern::cli

int main(int argc, char** argv) {
  CLI::App app{"tern: one C++ framework for machine-learning systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tern 0.1.0 (kernels: " + tern::kernel_providers_text() + ")");
  for (auto& setup : tern::cli::command_setups()) setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "tern: error: %s (see tern --help)\n", e.what());
    return 2;
  } catch (const tern::Error& e) {
    std::fprintf(stderr, "tern: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tern: error: %s\n", e.what());
    return 2;
  }
  return tern::cli::exit_code();
}
