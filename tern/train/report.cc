#include "tern/train/report.h"

#include <cstdio>

namespace tern::train {

nlohmann::json result_json(const TrainOptions& opt, const TrainResult& r) {
  nlohmann::json j = {{"model", opt.model},
                      {"dataset", data_name(opt)},
                      {"epochs", opt.epochs},
                      {"test_accuracy", r.test_accuracy},
                      {"train_samples_per_second", r.samples_per_second},
                      {"steps", r.steps},
                      {"peak_tensor_bytes", r.peak_tensor_bytes},
                      {"step_ms", r.step_ms},
                      {"loader_wait_ms", r.loader_wait_ms},
                      {"loader_workers", opt.loader_workers}};
  for (const EpochResult& e : r.epochs)
    j["history"].push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"test_accuracy", e.test_accuracy},
                            {"seconds", e.seconds}, {"step_ms", e.step_ms}, {"loader_wait_ms", e.loader_wait_ms}});
  if (r.dropback) {
    const DropbackReport& d = *r.dropback;
    j["dropback"] = {{"k", d.k},
                     {"total", d.total},
                     {"ratio", d.k ? static_cast<double>(d.total) / d.k : 0.0},
                     {"baseline", d.baseline},
                     {"select_seconds", d.select_seconds},
                     {"train_seconds", d.train_seconds},
                     {"select_share", d.train_seconds > 0 ? d.select_seconds / d.train_seconds : 0.0},
                     {"checkpoint_bytes", d.checkpoint_bytes},
                     {"dense_checkpoint_bytes", d.dense_checkpoint_bytes}};
  }
  if (r.init) {
    const io::WeightsReport& w = *r.init;
    j["init_from"] = {{"path", opt.init_from}, {"kind", w.kind},     {"loaded", w.loaded},
                      {"renamed", w.renamed},  {"ignored", w.ignored}, {"kept", w.kept}};
  }
  return j;
}

std::string result_line(const TrainOptions& opt, const TrainResult& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%s on %s: test accuracy %.2f%% after %lld epochs, %.0f samples/s, %.2f ms/step (loader wait %.3f ms)",
                opt.model.c_str(), data_name(opt).c_str(), 100 * r.test_accuracy, static_cast<long long>(opt.epochs),
                r.samples_per_second, r.step_ms, r.loader_wait_ms);
  std::string out = buf;
  if (r.init) {
    const io::WeightsReport& w = *r.init;
    out += str_cat("\ninit from ", opt.init_from, " (", w.kind, "): ", w.loaded, " tensors loaded");
    if (w.renamed) out += str_cat(", ", w.renamed, " by their PyTorch names");
    if (!w.kept.empty()) out += str_cat(", ", w.kept.size(), " kept as initialised");
  }
  if (r.dropback) {
    const DropbackReport& d = *r.dropback;
    std::snprintf(buf, sizeof buf, "\ndropback%s: %lld of %lld weights tracked (%.1fx fewer); selection and reset %.1f%% of training time",
                  d.baseline == "none" ? "" : (" baseline " + d.baseline).c_str(), static_cast<long long>(d.k),
                  static_cast<long long>(d.total), d.k ? static_cast<double>(d.total) / d.k : 0.0,
                  d.train_seconds > 0 ? 100 * d.select_seconds / d.train_seconds : 0.0);
    out += buf;
    if (d.checkpoint_bytes > 0) {
      std::snprintf(buf, sizeof buf, "\nsparse checkpoint: %lld bytes, %.3fx the dense checkpoint's %lld bytes",
                    static_cast<long long>(d.checkpoint_bytes),
                    static_cast<double>(d.checkpoint_bytes) / std::max<int64_t>(d.dense_checkpoint_bytes, 1),
                    static_cast<long long>(d.dense_checkpoint_bytes));
      out += buf;
    }
  }
  return out;
}

}  // namespace tern::train
