// Single-process supervised training and evaluation of a zoo model: the loop
// behind `tern train`, `tern eval` and `tern bench train`. Distributed
// trainers (tern/dist) reuse its pieces.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "tern/data/dataset.h"
#include "tern/nn/models.h"
#include "tern/optim/factory.h"

namespace tern::train {

struct TrainOptions {
  std::string model = "lenet5";
  std::string dataset = "fashion-mnist";  // or "synthetic"
  std::string data_dir;                   // default: Debian's package directory
  int64_t epochs = 1;
  int64_t batch_size = 64;
  std::string optimizer = "sgd";
  double lr = 0.05;
  double momentum = 0.9;
  double weight_decay = 0;
  bool nesterov = false;
  std::string schedule = "none";  // none | cosine | step
  int64_t warmup_epochs = 0;
  uint64_t seed = 1;
  int threads = 0;               // 0: all cores
  bool augment = false;          // random crop (pad 2) and horizontal flip for image data
  std::string checkpoint;        // written atomically after every epoch
  std::string resume;            // checkpoint to continue from
  std::string dump_grads;        // directory for raw f32 gradient dumps
  int64_t dump_every = 0;        // steps between dumps (0: never)
  int64_t synthetic_size = 6000; // training examples for --dataset synthetic
  bool progress = true;          // progress bar on stderr
};

struct EpochResult {
  int64_t epoch = 0;
  double train_loss = 0;
  double test_accuracy = 0;
  double samples_per_second = 0;
  double seconds = 0;
};

struct TrainResult {
  std::vector<EpochResult> epochs;
  double test_accuracy = 0;
  double samples_per_second = 0;  // training throughput over all epochs
  int64_t steps = 0;
  int64_t peak_tensor_bytes = 0;
};

// The train and test sets named by the options (synthetic: generated).
std::shared_ptr<data::Dataset> load_dataset(const TrainOptions& opt, bool train);

// Trains `opt.model`; calls on_epoch after each epoch (after its evaluation).
TrainResult train(const TrainOptions& opt, const std::function<void(const EpochResult&)>& on_epoch = {});

// Accuracy of `model` on `dataset` (eval mode, no gradients); if
// `predictions` is given it receives the predicted class of every example.
double evaluate(nn::Module& model, const data::Dataset& dataset, int64_t batch_size = 1000,
                std::vector<int64_t>* predictions = nullptr);

struct BenchResult {
  double samples_per_second = 0;
  double samples_per_cpu_second = 0;  // process CPU time: steadier than wall time on a shared machine
  double step_ms = 0;
  int64_t peak_tensor_bytes = 0;  // allocator peak during the timed steps
};
// Times `steps` training steps (forward, backward, optimiser) on synthetic
// data after `warmup` untimed steps.
BenchResult bench_train(const std::string& model, int64_t batch_size, int64_t steps, int64_t warmup, int threads,
                        const std::string& optimizer = "sgd");

}  // namespace tern::train
