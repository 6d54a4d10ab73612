// What a training run reports, as a JSON object and as one line of text:
// shared by `tern train` alone and by distributed runs (tern/distributed/run.h),
// which add their own fields.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tern/train/trainer.h"

namespace tern::train {

// model, dataset (or the --data spec), epochs, test_accuracy,
// train_samples_per_second, steps, peak_tensor_bytes, step_ms and
// loader_wait_ms (per step: the loop's time blocked on the loader),
// loader_workers and the per-epoch history.
nlohmann::json result_json(const TrainOptions& opt, const TrainResult& r);
// "lenet5 on fashion-mnist: test accuracy 90.12% after 10 epochs, 12345 samples/s,
//  5.18 ms/step (loader wait 0.012 ms)"
std::string result_line(const TrainOptions& opt, const TrainResult& r);

}  // namespace tern::train
