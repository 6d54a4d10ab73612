// tern: the command-line front end. Thin: parse, call the library, print.
#include <cstdio>
#include <exception>

#include "tern/base/error.h"
#include "tern/base/parse.h"
#include "tern/base/timer.h"
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

namespace {

// Checks every option of every command gets, so that no command can forget
// them: a value may not be empty (`--checkpoint ''` is a mistake, not "no
// checkpoint"), a FLOAT must be finite, an unsigned value may not be
// negative (CLI11 would wrap -1 to 2^64 - 1). Ranges are the library's job.
void add_common_checks(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    if (opt->get_expected_max() == 0) continue;  // a flag
    const std::string type = opt->get_type_name();
    opt->check(CLI::Validator(
        [type](std::string& v) -> std::string {
          if (v.empty()) return "expected a value, given ''";
          if (type == "FLOAT" || type == "UINT" || type == "INT") {
            if (type == "UINT" && v.find('-') != std::string::npos) return "expected a non-negative integer, given " + tern::quote(v);
            if (type == "FLOAT") {
              try {
                (void)tern::parse_double(v, "value");
              } catch (const tern::Error&) {
                return "expected a finite number, given " + tern::quote(v);
              }
            }
          }
          return "";
        },
        "", "common"));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_common_checks(*sub);
}

}  // namespace

}  // namespace tern::cli

int main(int argc, char** argv) {
  CLI::App app{"tern: one C++ framework for machine-learning systems"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "tern 0.1.0 (kernels: " + tern::kernel_providers_text() + ")");
  for (auto& setup : tern::cli::command_setups()) setup(app);
  tern::cli::add_common_checks(app);
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
  } catch (const std::exception& e) {
    tern::end_progress_line();  // the error starts on a fresh line
    std::fprintf(stderr, "tern: error: %s\n", e.what());
    return 2;
  }
  return tern::cli::exit_code();
}
