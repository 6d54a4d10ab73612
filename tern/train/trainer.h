// Single-process supervised training and evaluation of a zoo model: the loop
// behind `tern train`, `tern eval` and `tern bench train`. Distributed
// trainers (tern/distributed) reuse its pieces.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "tern/data/dataset.h"
#include "tern/io/weights.h"
#include "tern/train/metrics.h"
#include "tern/nn/models.h"
#include "tern/optim/factory.h"

namespace tern::train {

struct TrainOptions {
  std::string model = "lenet5";
  std::string dataset = "fashion-mnist";  // or "synthetic"
  std::string data_dir;                   // default: Debian's package directory
  // --data SPEC (tern/data/data_spec.h: csv:FILE, images:DIR, cifar10:DIR,
  // idx:DIR, npz:FILE, ...): the train and test sets, instead of `dataset`.
  std::string data;
  int loader_workers = 1;                 // threads preparing batches ahead (1 to 8)
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
  // Weights only, for fine-tuning (io/weights.h): a Tern checkpoint or a
  // PyTorch state dict; the optimiser and the epoch count start afresh.
  std::string init_from;                  // --init-from
  std::vector<std::string> init_exclude;  // --init-exclude: model tensors (or prefixes, "fc") left as initialised
  std::string dump_grads;        // directory for raw f32 gradient dumps
  int64_t dump_every = 0;        // steps between dumps (0: never)
  int64_t synthetic_size = 6000; // training examples for --dataset synthetic
  std::vector<std::string> optimizer_args;  // "key=value" settings of the optimiser (after lr, momentum, ...)
  std::string loss_log;          // CSV of every step's training loss, written atomically after each epoch
  std::string log_dir;           // --log-dir: steps.csv, epochs.csv and a TensorBoard event file (runlog/run_log.h)
  bool progress = true;          // progress bar on stderr
  // Dropback (tern/optim/dropback.h): train with only k weights tracked.
  // Give k or the ratio N / k (e.g. 10: ten times fewer tracked weights).
  // With Dropback, --checkpoint writes a sparse checkpoint (io/sparse_checkpoint.h).
  std::optional<int64_t> dropback_k;       // --dropback-k
  std::optional<double> dropback_ratio;    // --dropback-ratio
  std::optional<int64_t> dropback_freeze;  // --dropback-freeze: fix the tracked set after this many epochs
  std::string dropback_baseline = "none";  // --dropback-baseline: none | magnitude-init | random-mask
  bool dropback() const { return dropback_k.has_value() || dropback_ratio.has_value(); }
};

struct EpochResult {
  int64_t epoch = 0;
  double train_loss = 0;
  double test_accuracy = 0;
  double samples_per_second = 0;
  double seconds = 0;
  // Per training step: its wall time, and the part of it the loop waited
  // for the loader's next batch (0 when the loader keeps up).
  double step_ms = 0;
  double loader_wait_ms = 0;
};

struct DropbackReport {
  int64_t k = 0;                   // tracked weights
  int64_t total = 0;               // all parameter elements
  std::string baseline = "none";
  double select_seconds = 0;       // top-k selection and reset, all steps
  double train_seconds = 0;        // the training loops of all epochs
  int64_t checkpoint_bytes = 0;    // the sparse checkpoint (0: none written)
  int64_t dense_checkpoint_bytes = 0;  // the same model as a dense safetensors file (parameters + buffers)
};

struct TrainResult {
  std::vector<EpochResult> epochs;
  std::optional<DropbackReport> dropback;
  std::optional<io::WeightsReport> init;  // with --init-from: what was loaded
  double test_accuracy = 0;
  double samples_per_second = 0;  // training throughput over all epochs
  int64_t steps = 0;
  int64_t peak_tensor_bytes = 0;
  double step_ms = 0, loader_wait_ms = 0;  // per step over the epochs run (EpochResult)
};

// How this process takes part in a run. The default is a process training
// alone; tern/distributed supplies the data-parallel and parameter-server versions,
// which reuse the loop below unchanged.
class RunContext {
 public:
  virtual ~RunContext() = default;
  // The data shard this process trains and evaluates on (of world() equal ones).
  virtual int rank() const { return 0; }
  virtual int world() const { return 1; }
  // Once the model and optimiser exist (after a resume): make replicas agree.
  virtual void start(nn::Module& model, optim::Optimizer& optimizer) {}
  // Before each forward pass: a context may change the batch (a Byzantine
  // worker flipping its labels).
  virtual void before_forward(Tensor& inputs, Tensor& labels) {}
  // Before each backward pass (gradients are zero).
  virtual void before_backward(nn::Module& model) {}
  // After backward, with this process's gradients in .grad. True: the loop
  // runs optimizer.step() next; false: the context updated the parameters.
  virtual bool after_backward(nn::Module& model, int64_t epoch) { return true; }
  // After the parameter update of each step, with this process's minibatch
  // loss (e.g. local SGD averages the models every few steps here).
  virtual void after_step(nn::Module& model, double loss) {}
  // After each epoch's training, before evaluation and checkpoint (e.g.
  // average batch-norm statistics over replicas).
  virtual void end_epoch(nn::Module& model) {}
  // Element-wise sum over the processes (epoch loss and accuracy).
  virtual void sum(std::span<double> values) {}
  // Whether this process shows progress and writes checkpoints and dumps.
  virtual bool is_leader() const { return true; }
  // With a checkpoint, on every process once the leader has written it for
  // `epochs_done` epochs: state of this process's own to keep beside it.
  virtual void save_state(const std::string& checkpoint, int64_t epochs_done) {}
  // With --resume, after start(): restores what save_state kept.
  virtual void restore_state(const std::string& checkpoint, int64_t epochs_done) {}
};

// Throws ValueError naming the flag for any option out of range (a negative
// learning rate or weight decay, zero epochs, a warm-up longer than the run,
// ...) and IOError for an output path that cannot be written (its folder
// missing or read-only), so mistakes surface before any training, not after
// an epoch. train() calls it; front ends may call it earlier.
void check_train_options(const TrainOptions& opt);

// The train and test sets named by the options (synthetic: generated;
// --data: read as its spec says, test set normalised like the training set).
std::shared_ptr<data::Dataset> load_dataset(const TrainOptions& opt, bool train);
struct TrainTestSets {
  std::shared_ptr<data::Dataset> train, test;
};
TrainTestSets load_datasets(const TrainOptions& opt);
// What the options train on: the --data spec, or the dataset's name.
std::string data_name(const TrainOptions& opt);

// Trains `opt.model`; calls on_epoch after each epoch (after its evaluation).
// `context` (default: alone) makes it one process of a distributed run.
TrainResult train(const TrainOptions& opt, const std::function<void(const EpochResult&)>& on_epoch = {},
                  RunContext* context = nullptr);

// The model `opt.model` sized for `dataset` (channels, image size, classes).
nn::ModulePtr make_model(const TrainOptions& opt, const data::Dataset& dataset);

// The optimiser the options name, over the given parameters.
std::unique_ptr<optim::Optimizer> make_optimizer(const TrainOptions& opt, std::vector<optim::ParamRef> params);

// Steps per epoch for a process reading one of `world` shards.
int64_t steps_per_epoch(const TrainOptions& opt, const data::Dataset& train_set, int world);

// Sets the learning rate of `optimizer` for `epoch` (0-based) by the options' schedule.
void apply_schedule(const TrainOptions& opt, optim::Optimizer& optimizer, int64_t epoch);

// Accuracy of `model` on `dataset` (eval mode, no gradients); if
// `predictions` is given it receives the predicted class of every example.
double evaluate(nn::Module& model, const data::Dataset& dataset, int64_t batch_size = 1000,
                std::vector<int64_t>* predictions = nullptr);
// Correct predictions on examples [begin, end) of `dataset`.
int64_t count_correct(nn::Module& model, const data::Dataset& dataset, int64_t begin, int64_t end,
                      int64_t batch_size = 1000, std::vector<int64_t>* predictions = nullptr);

struct EvalResult {
  double accuracy = 0;
  int64_t examples = 0;
  Classification classification;  // per-class precision / recall, confusion matrix
};
// Loads `checkpoint` (written by train(), or any weights io::load_weights
// reads) into `opt.model` sized for the test set `opt` names and scores it;
// with `predictions_out`, writes one predicted class per line there, in
// test-set order; with `probabilities_out`, a CSV with a header and per
// example the predicted class and the softmax probability of every class.
// Files are written atomically.
EvalResult evaluate_checkpoint(const TrainOptions& opt, const std::string& checkpoint,
                               const std::string& predictions_out = "", const std::string& probabilities_out = "");

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
