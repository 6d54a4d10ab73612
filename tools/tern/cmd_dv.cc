// `tern dv`: data validation (TFDV's system). Thin: parse flags, call
// tern/dv, print. See tern/dv/README.md.
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"
#include "tern/dv/fuzz.h"
#include "tern/dv/infer.h"
#include "tern/dv/schema.h"
#include "tern/dv/workflow.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

struct DvFlags {
  std::string delimiter = ",";
  bool no_header = false;
  int threads = 0;
  dv::StatsOptions options() const {
    TERN_CHECK(delimiter.size() == 1 || delimiter == "\\t" || delimiter == "tab",
               "--delimiter must be one character (or 'tab'), got '", delimiter, "'");
    dv::StatsOptions o;
    o.csv.delimiter = delimiter.size() == 1 ? delimiter[0] : '\t';
    o.csv.header = !no_header;
    o.threads = threads;
    return o;
  }
};

void add_input_flags(CLI::App* cmd, DvFlags& f) {
  cmd->add_option("--delimiter", f.delimiter, "CSV field delimiter (one character, or 'tab')");
  cmd->add_flag("--no-header", f.no_header, "the CSV has no header row (columns are named column_1, ...)");
  cmd->add_option("--threads", f.threads, "threads for statistics (default: all cores)");
}

void print_summary(const dv::DatasetStats& s) {
  const double mb = static_cast<double>(s.bytes) / 1e6;
  std::printf("%s: %lld examples, %zu features, %.1f MB in %.2f s (%.1f MB/s)\n", s.source.c_str(),
              static_cast<long long>(s.num_examples), s.features.size(), mb, s.seconds,
              s.seconds > 0 ? mb / s.seconds : 0.0);
}

void setup(CLI::App& root) {
  auto* dv = root.add_subcommand("dv", "Data validation: statistics, schemas, anomalies, drift/skew, reports, fuzzing");
  dv->require_subcommand(1);
  auto flags = std::make_shared<DvFlags>();
  const char* data_help = "CSV file, stats .json, or fashion-mnist[:train|:test]";

  {
    auto* cmd = dv->add_subcommand("stats", "Compute per-feature statistics");
    auto data = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("DATA", *data, data_help)->required();
    cmd->add_option("-o,--output", *out, "write statistics as JSON here");
    add_input_flags(cmd, *flags);
    cmd->callback([=] {
      const auto s = dv::compute_stats(*data, flags->options());
      print_summary(s);
      if (!out->empty()) write_file_atomic(*out, dv::to_json(s).dump(1) + "\n");
    });
  }
  {
    auto* cmd = dv->add_subcommand("infer", "Infer a schema (schema.pbtxt, TFDV text format) from data");
    auto data = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto opts = std::make_shared<dv::InferOptions>();
    auto skew_linf = std::make_shared<double>(-1), skew_jsd = std::make_shared<double>(-1);
    auto drift_linf = std::make_shared<double>(-1), drift_jsd = std::make_shared<double>(-1);
    cmd->add_option("DATA", *data, data_help)->required();
    cmd->add_option("-o,--output", *out, "write the schema here (default: stdout)");
    cmd->add_option("--max-domain", opts->max_string_domain_size, "largest string domain to infer");
    cmd->add_option("--skew-linf", *skew_linf, "add skew_comparator infinity_norm to BYTES features");
    cmd->add_option("--skew-jsd", *skew_jsd, "add skew_comparator jensen_shannon_divergence to numeric features");
    cmd->add_option("--drift-linf", *drift_linf, "add drift_comparator infinity_norm to BYTES features");
    cmd->add_option("--drift-jsd", *drift_jsd, "add drift_comparator jensen_shannon_divergence to numeric features");
    add_input_flags(cmd, *flags);
    cmd->callback([=] {
      auto set = [&](const char* flag, double v) {  // given: the library checks the value
        return cmd->count(flag) ? std::optional<double>(v) : std::nullopt;
      };
      dv::InferOptions o = *opts;
      o.skew_linf = set("--skew-linf", *skew_linf);
      o.skew_jsd = set("--skew-jsd", *skew_jsd);
      o.drift_linf = set("--drift-linf", *drift_linf);
      o.drift_jsd = set("--drift-jsd", *drift_jsd);
      const auto s = dv::compute_stats(*data, flags->options());
      const std::string text = dv::print_schema(dv::infer_schema(s, o));
      if (out->empty()) std::fputs(text.c_str(), stdout);
      else {
        write_file_atomic(*out, text);
        print_summary(s);
      }
    });
  }
  {
    auto* cmd = dv->add_subcommand("validate", "Check data against a schema (exit 1 when anomalies are found)");
    auto data = std::make_shared<std::string>();
    auto schema = std::make_shared<std::string>();
    auto previous = std::make_shared<std::string>();
    auto serving = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("DATA", *data, data_help)->required();
    cmd->add_option("--schema", *schema, "schema.pbtxt")->required();
    cmd->add_option("--previous", *previous, "the previous span (drift)");
    cmd->add_option("--serving", *serving, "serving data (training/serving skew)");
    cmd->add_option("-o,--output", *out, "also write the anomalies as JSON here");
    add_input_flags(cmd, *flags);
    cmd->callback([=] {
      const dv::ValidationRun run = dv::validate_data(*data, *schema, *previous, *serving, flags->options());
      const auto& s = run.stats;
      const auto& anomalies = run.anomalies;
      if (!out->empty()) write_file_atomic(*out, dv::to_json(anomalies).dump(1) + "\n");
      if (anomalies.empty()) {
        std::printf("%s: no anomalies (%lld examples, %zu features)\n", data->c_str(),
                    static_cast<long long>(s.num_examples), s.features.size());
        return;
      }
      std::printf("%s: %zu anomalies\n%s", data->c_str(), anomalies.size(), dv::format_anomalies(anomalies).c_str());
      set_exit_code(1);
    });
  }
  {
    auto* cmd = dv->add_subcommand("report", "Write an offline HTML report with per-feature histograms and anomalies");
    auto data = std::make_shared<std::string>();
    auto against = std::make_shared<std::string>();
    auto schema = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("DATA", *data, data_help)->required();
    cmd->add_option("--against", *against, "a second dataset to overlay (treated as the previous span)");
    cmd->add_option("--schema", *schema, "schema to validate with (default: inferred from --against, "
                                         "with drift thresholds 0.1)");
    cmd->add_option("-o,--output", *out, "report.html")->required();
    add_input_flags(cmd, *flags);
    cmd->callback([=] {
      const dv::ReportRun r = dv::write_report(*data, *against, *schema, *out, flags->options());
      std::printf("wrote %s (%zu features, %zu anomalies)\n", out->c_str(), r.stats.features.size(), r.anomalies);
    });
  }
  {
    auto* cmd = dv->add_subcommand("fuzz", "Generate examples that conform to a schema, edge cases first");
    auto schema = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    auto opts = std::make_shared<dv::FuzzOptions>();
    cmd->add_option("--schema", *schema, "schema.pbtxt")->required();
    cmd->add_option("--n", opts->n, "number of examples");
    cmd->add_option("--seed", opts->seed, "random seed");
    cmd->add_option("-o,--output", *out, "examples.csv (default: stdout)");
    cmd->callback([=] {
      const std::string csv = dv::fuzz_csv(dv::load_schema_file(*schema), *opts);
      if (out->empty()) std::fputs(csv.c_str(), stdout);
      else write_file_atomic(*out, csv);
    });
  }
  {
    auto* cmd = dv->add_subcommand("export-csv", "Write a Tern dataset as CSV (fashion-mnist[:train|:test])");
    auto data = std::make_shared<std::string>();
    auto out = std::make_shared<std::string>();
    cmd->add_option("DATASET", *data, "fashion-mnist, fashion-mnist:train or fashion-mnist:test")->required();
    cmd->add_option("-o,--output", *out, "output CSV")->required();
    cmd->callback([=] {
      const int64_t rows = dv::export_dataset_csv(*data, *out);
      std::printf("wrote %s (%lld rows)\n", out->c_str(), static_cast<long long>(rows));
    });
  }
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
