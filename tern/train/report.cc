#include "tern/train/report.h"

#include <cstdio>

namespace tern::train {

nlohmann::json result_json(const TrainOptions& opt, const TrainResult& r) {
  nlohmann::json j = {{"model", opt.model},
                      {"dataset", opt.dataset},
                      {"epochs", opt.epochs},
                      {"test_accuracy", r.test_accuracy},
                      {"train_samples_per_second", r.samples_per_second},
                      {"steps", r.steps},
                      {"peak_tensor_bytes", r.peak_tensor_bytes}};
  for (const EpochResult& e : r.epochs)
    j["history"].push_back({{"epoch", e.epoch}, {"train_loss", e.train_loss}, {"test_accuracy", e.test_accuracy},
                            {"seconds", e.seconds}});
  return j;
}

std::string result_line(const TrainOptions& opt, const TrainResult& r) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s on %s: test accuracy %.2f%% after %lld epochs, %.0f samples/s", opt.model.c_str(),
                opt.dataset.c_str(), 100 * r.test_accuracy, static_cast<long long>(opt.epochs), r.samples_per_second);
  return buf;
}

}  // namespace tern::train
