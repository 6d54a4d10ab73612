// `tern train`, `tern eval`, `tern models` and `tern bench train`.
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tern/base/parallel.h"
#include "tern/nn/describe.h"
#include "tern/nn/models.h"
#include "tern/train/report.h"
#include "tern/train/trainer.h"
#include "tools/tern/command.h"
#ifdef TERN_WITH_DISTRIBUTED
#include "tools/tern/dist_flags.h"
#endif

namespace tern::cli {
namespace {

void add_train(CLI::App& root) {
  auto opt = std::make_shared<train::TrainOptions>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("train", "Train a zoo model and report test accuracy");
  cmd->add_option("--model", opt->model, "model name (see tern models)")->capture_default_str();
  cmd->add_option("--dataset", opt->dataset, "fashion-mnist or synthetic")->capture_default_str();
  cmd->add_option("--data-dir", opt->data_dir, "Fashion-MNIST directory (default: Debian's dataset-fashion-mnist)");
  cmd->add_option("--data", opt->data,
                  "train/test data instead of --dataset: csv:FILE[,label=COL], tsv:FILE, images:DIR[,size=N,gray], "
                  "cifar10:DIR, cifar100:DIR, idx:DIR, npz:FILE, npy:FILE,y=FILE; options test=PATH, holdout=F, seed=N, raw "
                  "(tern/data/README.md)");
  cmd->add_option("--loader-workers", opt->loader_workers, "threads preparing batches ahead of training (1 to 8)")
      ->capture_default_str();
  cmd->add_option("--epochs", opt->epochs, "training epochs")->capture_default_str();
  cmd->add_option("--batch-size", opt->batch_size, "examples per step")->capture_default_str();
  cmd->add_option("--optimizer", opt->optimizer, "sgd, adam, adamw, adagrad, rmsprop, yellowfin")->capture_default_str();
  cmd->add_option("--lr", opt->lr, "learning rate")->capture_default_str();
  cmd->add_option("--momentum", opt->momentum, "SGD / RMSProp momentum")->capture_default_str();
  cmd->add_option("--optimizer-arg", opt->optimizer_args,
                  "KEY=VALUE setting of the optimiser (repeatable), e.g. clip_thresh=5 for yellowfin");
  cmd->add_option("--weight-decay", opt->weight_decay, "weight decay")->capture_default_str();
  cmd->add_flag("--nesterov", opt->nesterov, "Nesterov momentum (SGD)");
  cmd->add_option("--schedule", opt->schedule, "learning-rate schedule: none, cosine, step")->capture_default_str();
  cmd->add_option("--warmup-epochs", opt->warmup_epochs, "linear warm-up epochs")->capture_default_str();
  cmd->add_flag("--augment", opt->augment, "random crops (padding 2) and horizontal flips during training");
  cmd->add_option("--seed", opt->seed, "random seed (initialisation and shuffling)")->capture_default_str();
  cmd->add_option("--threads", opt->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--checkpoint", opt->checkpoint, "save model + optimiser here after every epoch (atomically)");
  cmd->add_option("--resume", opt->resume, "continue from this checkpoint");
  cmd->add_option("--init-from", opt->init_from,
                  "start from these weights only (a Tern checkpoint or a PyTorch state dict in safetensors; "
                  "torchvision names accepted); the optimiser starts afresh");
  cmd->add_option("--init-exclude", opt->init_exclude,
                  "with --init-from: leave this tensor or module prefix as initialised (repeatable), e.g. fc for a "
                  "new classifier head");
  cmd->add_option("--dump-grads", opt->dump_grads, "directory for raw float32 gradient dumps");
  cmd->add_option("--dump-every", opt->dump_every, "steps between gradient dumps")->capture_default_str();
  cmd->add_option("--synthetic-size", opt->synthetic_size, "training examples for --dataset synthetic")->capture_default_str();
  cmd->add_option("--loss-log", opt->loss_log, "CSV of every step's training loss (step,epoch,loss)");
  cmd->add_option("--log-dir", opt->log_dir, "write steps.csv, epochs.csv and a TensorBoard event file here");
  cmd->add_flag("--json", *json, "print the final figures as one JSON object");
  struct DropbackFlags {
    int64_t k = 0, freeze = 0;
    double ratio = 0;
  };
  auto db = std::make_shared<DropbackFlags>();
  cmd->add_option("--dropback-k", db->k, "Dropback: track only the K weights with the largest |w - w0|");
  cmd->add_option("--dropback-ratio", db->ratio, "Dropback: track N / R weights (R = 10: ten times fewer)");
  cmd->add_option("--dropback-freeze", db->freeze, "Dropback: fix the tracked set after this many epochs");
  cmd->add_option("--dropback-baseline", opt->dropback_baseline,
                  "instead of Dropback, a fixed mask at the same k: magnitude-init or random-mask (others held at 0)")
      ->capture_default_str();
#ifdef TERN_WITH_DISTRIBUTED
  auto dist = add_dist_flags(*cmd);
#endif
  cmd->callback([=] {
    opt->progress = !*json;
    if (cmd->count("--dropback-k")) opt->dropback_k = db->k;
    if (cmd->count("--dropback-ratio")) opt->dropback_ratio = db->ratio;
    if (cmd->count("--dropback-freeze")) opt->dropback_freeze = db->freeze;
#ifdef TERN_WITH_DISTRIBUTED
    const bool distributed = cmd->count("--dist") && cmd->get_option("--dist")->as<std::string>() != "none";
    TERN_CHECK(!distributed || !(opt->dropback() || cmd->count("--dropback-freeze") ||
                                             cmd->count("--dropback-baseline")),
               "--dropback-*: Dropback trains in one process; drop --dist");
#endif
#ifdef TERN_WITH_DISTRIBUTED
    if (run_dist_flags(*cmd, *dist, *opt, *json)) return;
#endif
    const train::TrainResult r = train::train(*opt);
    if (*json) std::printf("%s\n", train::result_json(*opt, r).dump().c_str());
    else std::printf("%s\n", train::result_line(*opt, r).c_str());
  });
}

void add_eval(CLI::App& root) {
  auto opt = std::make_shared<train::TrainOptions>();
  auto checkpoint = std::make_shared<std::string>();
  auto predictions = std::make_shared<std::string>();
  auto probabilities = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = root.add_subcommand("eval", "Evaluate a checkpoint on the test set: accuracy, per-class precision / "
                                          "recall / F1, confusion matrix");
  cmd->add_option("--model", opt->model, "model name")->required();
  cmd->add_option("--checkpoint", *checkpoint, "weights to evaluate: a checkpoint written by tern train, or a PyTorch state dict in safetensors")->required();
  cmd->add_option("--dataset", opt->dataset, "fashion-mnist or synthetic")->capture_default_str();
  cmd->add_option("--data-dir", opt->data_dir, "Fashion-MNIST directory");
  cmd->add_option("--synthetic-size", opt->synthetic_size,
                  "with --dataset synthetic: the training size given to tern train (the test split is a sixth of it)")
      ->capture_default_str();
  cmd->add_option("--data", opt->data, "the --data spec the model was trained with (scored on its test set)");
  cmd->add_option("--seed", opt->seed, "the --seed of training (a holdout split depends on it)")->capture_default_str();
  cmd->add_option("--predictions-out", *predictions, "write one predicted class per line, in test-set order");
  cmd->add_option("--probabilities-out", *probabilities,
                  "write a CSV: per example the predicted class and every class's softmax probability");
  cmd->add_option("--threads", opt->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_flag("--json", *json, "print the figures (per class and confusion matrix included) as one JSON object");
  cmd->callback([opt, checkpoint, predictions, probabilities, json] {
    const train::EvalResult r = train::evaluate_checkpoint(*opt, *checkpoint, *predictions, *probabilities);
    if (*json) {
      nlohmann::json j = train::classification_json(r.classification);
      j["model"] = opt->model;
      j["dataset"] = train::data_name(*opt);
      std::printf("%s\n", j.dump().c_str());
      return;
    }
    std::printf("%s: test accuracy %.2f%% on %lld examples\n%s", opt->model.c_str(), 100 * r.accuracy,
                static_cast<long long>(r.examples), train::classification_text(r.classification).c_str());
  });
}

void add_models(CLI::App& root) {
  auto describe = std::make_shared<std::string>();
  auto* cmd = root.add_subcommand("models", "List the model zoo with parameter counts");
  cmd->add_option("--describe", *describe, "print one model's layers with output shapes, parameters and FLOPs");
  cmd->callback([describe] {
    if (!describe->empty()) {
      const nn::ModelDescription d = nn::describe_zoo_model(*describe);
      std::printf("%-32s %-18s %-20s %12s %14s\n", "layer", "type", "output", "params", "FLOPs");
      for (const auto& l : d.layers)
        std::printf("%-32s %-18s %-20s %12lld %14lld\n", l.name.c_str(), l.type.c_str(), shape_str(l.output_shape).c_str(),
                    static_cast<long long>(l.parameters), static_cast<long long>(l.flops));
      std::printf("total: %lld parameters, %.3f GFLOPs per sample (input %s)\n", static_cast<long long>(d.parameters),
                  d.flops / 1e9, shape_str(d.input_shape).c_str());
      return;
    }
    std::printf("%-12s %12s  %s\n", "model", "parameters", "description");
    for (const nn::ModelSpec& spec : nn::model_zoo()) {
      std::printf("%-12s %12lld  %s\n", spec.name.c_str(), static_cast<long long>(nn::parameter_count(spec)),
                  spec.summary.c_str());
    }
  });
}

void add_bench_train(CLI::App& root) {
  struct Flags {
    std::string model = "lenet5", optimizer = "sgd";
    int64_t batch = 128, steps = 20, warmup = 3;
    int threads = 0;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  auto* cmd = bench->add_subcommand("train", "Time training steps on synthetic data: samples/s and peak tensor memory");
  cmd->add_option("--model", f->model, "model name")->capture_default_str();
  cmd->add_option("--batch-size", f->batch, "examples per step")->capture_default_str();
  cmd->add_option("--steps", f->steps, "timed steps")->capture_default_str();
  cmd->add_option("--warmup", f->warmup, "untimed steps first")->capture_default_str();
  cmd->add_option("--threads", f->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->add_option("--optimizer", f->optimizer, "optimiser")->capture_default_str();
  cmd->add_flag("--json", f->json, "print one JSON object");
  cmd->callback([f] {
    const train::BenchResult r = train::bench_train(f->model, f->batch, f->steps, f->warmup, f->threads, f->optimizer);
    if (f->json) {
      std::printf("%s\n", nlohmann::json({{"model", f->model},
                                          {"batch_size", f->batch},
                                          {"threads", num_threads()},
                                          {"samples_per_second", r.samples_per_second},
                                          {"samples_per_cpu_second", r.samples_per_cpu_second},
                                          {"step_ms", r.step_ms},
                                          {"peak_tensor_bytes", r.peak_tensor_bytes}})
                                  .dump()
                                  .c_str());
    } else {
      std::printf("%s batch %lld, %d threads: %.0f samples/s (%.2f ms/step), peak tensor memory %.1f MiB\n",
                  f->model.c_str(), static_cast<long long>(f->batch), num_threads(), r.samples_per_second, r.step_ms,
                  r.peak_tensor_bytes / 1048576.0);
    }
  });
}

void setup(CLI::App& root) {
  add_train(root);
  add_eval(root);
  add_models(root);
  add_bench_train(root);
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
