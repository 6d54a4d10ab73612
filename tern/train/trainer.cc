#include "tern/train/trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include <unistd.h>

#include "tern/autograd/engine.h"
#include "tern/autograd/grad_mode.h"
#include "tern/base/atomic_file.h"
#include "tern/base/parallel.h"
#include "tern/base/parse.h"
#include "tern/base/timer.h"
#include "tern/core/allocator.h"
#include "tern/data/data_spec.h"
#include "tern/data/idx.h"
#include "tern/data/loader.h"
#include "tern/io/checkpoint.h"
#include "tern/io/sparse_checkpoint.h"
#include "tern/io/weights.h"
#include "tern/optim/dropback.h"
#include "tern/optim/schedule.h"
#include "tern/train/runlog/run_log.h"
#include "tern/ops/ops.h"

namespace tern::train {

namespace {

std::vector<optim::ParamRef> param_refs(const nn::Module& m) {
  std::vector<optim::ParamRef> refs;
  for (auto& [name, t] : m.named_parameters()) refs.push_back({name, t});
  return refs;
}

nn::ModelOptions model_options(const nn::ModelSpec& spec, const data::Dataset& ds) {
  nn::ModelOptions o = spec.defaults;
  const Shape s = ds.example_shape();
  const bool image = s.size() == 3 && s[1] == s[2];
  if (spec.flat_input) {
    o.in_features = numel_of(s);  // any shape: the model flattens it
    if (image) o.in_channels = s[0], o.image_size = s[1];
  } else if (spec.image_model) {
    TERN_CHECK(image, "model ", spec.name, " needs square images [C, H, H], the dataset gives examples of shape ",
               shape_str(s), " (for feature vectors use softmax, mlp or lenet300)");
    o.in_channels = s[0];
    o.image_size = s[1];
  }
  o.num_classes = ds.num_classes();
  return o;
}

void dump_gradients(const nn::Module& model, const std::string& dir, int64_t step) {
  std::filesystem::create_directories(dir);
  for (auto& [name, p] : model.named_parameters()) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    const Tensor c = contiguous(cast(g, DType::f32));
    write_file_atomic(dir + "/step" + std::to_string(step) + "_" + name + ".f32",
                      std::string_view(static_cast<const char*>(c.raw_data()), c.nbytes()));
  }
}

// The per-epoch learning-rate schedule named by the options (tern/optim).
std::shared_ptr<const optim::LrSchedule> make_schedule(const TrainOptions& opt) {
  TERN_CHECK(opt.warmup_epochs >= 0 && opt.warmup_epochs < opt.epochs, "warm-up epochs must be in [0, ", opt.epochs,
             "), got ", opt.warmup_epochs);
  const int64_t rest = opt.epochs - opt.warmup_epochs;
  std::shared_ptr<optim::LrSchedule> s = optim::make_schedule(opt.schedule, opt.lr, rest);
  if (opt.warmup_epochs == 0) return s;
  return std::make_shared<optim::LinearWarmup>(s, opt.warmup_epochs, 1.0 / (opt.warmup_epochs + 1));
}

// Dropback over the model's parameters, k from --dropback-k or --dropback-ratio.
std::unique_ptr<optim::Dropback> make_dropback(const TrainOptions& opt, const nn::Module& model,
                                               optim::Optimizer& optimizer) {
  std::vector<nn::init::InitSpec> specs;
  for (const auto& [name, spec] : model.named_inits()) {
    TERN_CHECK(spec.regenerable(), "--dropback: parameter '", name, "' of ", opt.model,
               " has no regenerable initialiser");
    specs.push_back(spec);
  }
  const int64_t total = model.num_parameters();
  int64_t k = 0;
  if (opt.dropback_k) {
    TERN_CHECK(*opt.dropback_k <= total, "--dropback-k: expected at most the ", total, " parameters of ", opt.model,
               ", given ", *opt.dropback_k);
    k = *opt.dropback_k;
  } else {
    k = std::max<int64_t>(1, std::llround(static_cast<double>(total) / *opt.dropback_ratio));
  }
  optim::DropbackOptions o;
  o.k = k;
  o.baseline = optim::parse_baseline(opt.dropback_baseline);
  o.seed = opt.seed;
  return std::make_unique<optim::Dropback>(
      optimizer,
      [specs = std::move(specs)](size_t p, int64_t b, int64_t c, float* dst) { nn::init::regenerate(specs[p], b, c, dst); },
      o);
}

// The tracked values of every parameter; the rest regenerates from its init (baselines: 0).
std::vector<io::SparseTensor> sparse_state(const nn::Module& model, const optim::Dropback& db) {
  std::vector<io::SparseTensor> out;
  const auto params = model.named_parameters();
  const auto inits = model.named_inits();
  const bool zeros = db.baseline() != optim::DropbackBaseline::none;
  for (size_t p = 0; p < params.size(); ++p) {
    const nn::init::InitSpec rest = zeros ? nn::init::InitSpec{.kind = nn::init::InitSpec::Kind::constant, .a = 0}
                                          : inits[p].second;
    out.push_back(io::make_sparse_tensor(params[p].first, params[p].second, db.tracked(p), rest.str()));
  }
  return out;
}

int64_t dense_checkpoint_bytes(const nn::Module& model) {
  io::NamedTensors all;
  for (const auto& [name, t] : model.state()) all.emplace_back("model." + name, t);
  return static_cast<int64_t>(io::encode_safetensors(all, {{"tern.format", io::kCheckpointFormat}}).size());
}

}  // namespace

TrainTestSets load_datasets(const TrainOptions& opt) {
  if (!opt.data.empty()) {
    data::DataSplits d = data::load_data(opt.data, opt.seed, opt.progress);
    return {d.train, d.test};
  }
  return {load_dataset(opt, true), load_dataset(opt, false)};
}

std::shared_ptr<data::Dataset> load_dataset(const TrainOptions& opt, bool train) {
  if (!opt.data.empty()) {
    TrainTestSets d = load_datasets(opt);
    return train ? d.train : d.test;
  }
  if (opt.dataset == "fashion-mnist")
    return data::fashion_mnist(opt.data_dir.empty() ? data::kFashionMnistDir : opt.data_dir, train);
  if (opt.dataset == "synthetic")
    return data::synthetic_images(train ? opt.synthetic_size : std::max<int64_t>(opt.synthetic_size / 6, 100), {1, 28, 28},
                                  10, opt.seed, train ? 0 : 1);
  TERN_FAIL("unknown dataset '", opt.dataset, "' (fashion-mnist, synthetic; or --data KIND:PATH)");
}

std::string data_name(const TrainOptions& opt) { return opt.data.empty() ? opt.dataset : opt.data; }

int64_t count_correct(nn::Module& model, const data::Dataset& dataset, int64_t begin, int64_t end,
                      int64_t batch_size, std::vector<int64_t>* predictions) {
  TERN_CHECK(0 <= begin && begin <= end && end <= dataset.size(), "evaluation range [", begin, ", ", end,
             ") outside a dataset of ", dataset.size());
  NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  int64_t correct = 0;
  if (predictions) predictions->clear();
  for (int64_t start = begin; start < end; start += batch_size) {
    std::vector<int64_t> idx;
    for (int64_t i = start; i < std::min(end, start + batch_size); ++i) idx.push_back(i);
    const data::Batch b = dataset.get(idx);
    const Tensor pred = argmax(model(b.inputs), 1);
    const int64_t* p = pred.data<int64_t>();
    const int64_t* y = b.labels.data<int64_t>();
    for (int64_t i = 0; i < pred.numel(); ++i) {
      correct += p[i] == y[i];
      if (predictions) predictions->push_back(p[i]);
    }
  }
  model.train(was_training);
  return correct;
}

double evaluate(nn::Module& model, const data::Dataset& dataset, int64_t batch_size, std::vector<int64_t>* predictions) {
  const int64_t correct = count_correct(model, dataset, 0, dataset.size(), batch_size, predictions);
  return dataset.size() ? static_cast<double>(correct) / dataset.size() : 0.0;
}

nn::ModulePtr make_model(const TrainOptions& opt, const data::Dataset& dataset) {
  const nn::ModelSpec& spec = nn::find_model(opt.model);
  TERN_CHECK(spec.image_model, "tern train supports image classifiers; ", opt.model, " is a token model");
  return spec.make(model_options(spec, dataset));
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainOptions& opt, std::vector<optim::ParamRef> params) {
  optim::OptimizerOptions oo;
  oo.lr = opt.lr;
  oo.momentum = opt.momentum;
  oo.nesterov = opt.nesterov;
  if (opt.weight_decay > 0) oo.weight_decay = opt.weight_decay;
  Args args = optim::optimizer_args(opt.optimizer, oo);
  for (const std::string& kv : opt.optimizer_args) args.add(kv);
  return optim::make_optimizer(opt.optimizer, std::move(params), args);
}

int64_t steps_per_epoch(const TrainOptions& opt, const data::Dataset& train_set, int world) {
  const int64_t per = train_set.size() / world;
  return (per + opt.batch_size - 1) / opt.batch_size;
}

void apply_schedule(const TrainOptions& opt, optim::Optimizer& optimizer, int64_t epoch) {
  make_schedule(opt)->apply(optimizer, epoch);
}

namespace {

void check_real(double v, const char* flag, RealRange r) {
  const bool below = r.min_exclusive ? v <= r.min : v < r.min;
  TERN_CHECK(std::isfinite(v) && !below && v <= r.max, flag, ": expected ", describe(r), ", given ", v);
}

void check_int(int64_t v, const char* flag, IntRange r) {
  TERN_CHECK(v >= r.min && v <= r.max, flag, ": expected ", describe(r), ", given ", v);
}

// The folder `path` would be written in exists and takes a file.
void check_writable(const std::string& path, const char* flag) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path();
  std::error_code ec;
  TERN_CHECK_T(IOError, fs::is_directory(dir, ec), flag, " ", quote(path), ": folder ", quote(dir.string()),
               " does not exist");
  const std::string probe = (dir / (".tern_write_probe_" + std::to_string(::getpid()))).string();
  std::FILE* f = std::fopen(probe.c_str(), "wb");
  TERN_CHECK_T(IOError, f != nullptr, flag, " ", quote(path), ": cannot write in folder ", quote(dir.string()));
  std::fclose(f);
  std::remove(probe.c_str());
}

}  // namespace

void check_train_options(const TrainOptions& opt) {
  check_int(opt.epochs, "epochs (--epochs)", {1, 1 << 24});
  check_int(opt.batch_size, "batch size (--batch-size)", {1, 1 << 24});
  check_real(opt.lr, "learning rate (--lr)", {.min = 0, .min_exclusive = true});
  check_real(opt.momentum, "--momentum", {.min = 0});
  check_real(opt.weight_decay, "--weight-decay", {.min = 0});
  check_int(opt.warmup_epochs, "warm-up epochs (--warmup-epochs)", {0, opt.epochs - 1});
  check_int(opt.dump_every, "--dump-every", {.min = 0});
  check_int(opt.synthetic_size, "--synthetic-size", {1, int64_t{1} << 31});
  check_int(opt.threads, "--threads", {0, max_threads()});
  check_int(opt.loader_workers, "--loader-workers", {1, data::kMaxLoaderWorkers});
  if (!opt.data.empty()) (void)data::parse_data_spec(opt.data);  // a mistyped spec fails before anything loads
  TERN_CHECK(!(opt.dropback_k && opt.dropback_ratio), "--dropback-k and --dropback-ratio exclude each other; give one");
  if (opt.dropback_k) check_int(*opt.dropback_k, "--dropback-k", {.min = 1});
  if (opt.dropback_ratio) check_real(*opt.dropback_ratio, "--dropback-ratio (N / k)", {.min = 1, .max = 1e12});
  const optim::DropbackBaseline baseline = [&] {
    try {
      return optim::parse_baseline(opt.dropback_baseline);
    } catch (const ValueError&) {
      TERN_FAIL("--dropback-baseline: expected none, magnitude-init or random-mask, given ", quote(opt.dropback_baseline));
    }
  }();
  if (opt.dropback_freeze) {
    TERN_CHECK(opt.dropback(), "--dropback-freeze needs --dropback-k or --dropback-ratio");
    TERN_CHECK(baseline == optim::DropbackBaseline::none, "--dropback-freeze: the baseline ", opt.dropback_baseline,
               " keeps one mask from the start; freezing does not apply");
    TERN_CHECK(opt.epochs >= 2 && *opt.dropback_freeze >= 1 && *opt.dropback_freeze < opt.epochs,
               "--dropback-freeze: expected a number of epochs in [1, --epochs - 1] (freezing after the last epoch "
               "changes nothing), given ", *opt.dropback_freeze, " with --epochs ", opt.epochs);
  }
  TERN_CHECK(baseline == optim::DropbackBaseline::none || opt.dropback(), "--dropback-baseline ",
             opt.dropback_baseline, " needs --dropback-k or --dropback-ratio");
  TERN_CHECK(opt.init_from.empty() || opt.resume.empty(),
             "--init-from loads weights only and starts a new run; --resume continues one: give one of them");
  TERN_CHECK(opt.init_exclude.empty() || !opt.init_from.empty(), "--init-exclude needs --init-from");
  TERN_CHECK(opt.init_from.empty() || !opt.dropback(),
             "--init-from: Dropback regenerates untracked weights from their seeded initialisation, so it cannot "
             "start from loaded weights; drop --dropback-*");
  TERN_CHECK(!(opt.dropback() && !opt.resume.empty()),
             "--resume: a Dropback run cannot be resumed (its sparse checkpoint holds no optimiser state)");
  if (!opt.checkpoint.empty()) check_writable(opt.checkpoint, "--checkpoint");
  if (!opt.loss_log.empty()) check_writable(opt.loss_log, "--loss-log");
}

TrainResult train(const TrainOptions& opt, const std::function<void(const EpochResult&)>& on_epoch,
                  RunContext* context) {
  check_train_options(opt);
  RunContext alone;
  RunContext& ctx = context ? *context : alone;
  if (opt.threads != 0) set_num_threads(opt.threads);  // negative: an error there
  manual_seed(opt.seed);
  auto [train_set, test_set] = load_datasets(opt);
  nn::ModulePtr model = make_model(opt, *train_set);
  std::optional<io::WeightsReport> init;
  if (!opt.init_from.empty())
    init = io::load_weights(opt.init_from, *model, {.exclude = opt.init_exclude, .expect_model = opt.model});
  auto optimizer = make_optimizer(opt, param_refs(*model));
  std::unique_ptr<optim::Dropback> dropback;
  if (opt.dropback()) dropback = make_dropback(opt, *model, *optimizer);

  const auto schedule = make_schedule(opt);
  int64_t start_epoch = 0;
  TrainResult result;
  result.init = init;
  if (!opt.resume.empty()) {
    const io::Checkpoint ck = io::load_checkpoint(opt.resume);
    TERN_CHECK(ck.meta.model.empty() || ck.meta.model == opt.model, "checkpoint ", opt.resume, " holds a ",
               ck.meta.model, " model, not ", opt.model);
    io::restore_model(ck, model->state());
    optimizer->load_state_dict(ck.optim);
    start_epoch = ck.meta.epoch;
    result.steps = ck.meta.step;
    TERN_CHECK(start_epoch < opt.epochs, "checkpoint ", opt.resume, " already finished epoch ", start_epoch,
               " of ", opt.epochs, "; ask for more epochs");
  }
  ctx.start(*model, *optimizer);
  if (!opt.resume.empty()) ctx.restore_state(opt.resume, start_epoch);
  const bool leader = ctx.is_leader();
  std::unique_ptr<runlog::RunLog> run_log;  // only the leader writes
  if (leader && !opt.log_dir.empty()) run_log = std::make_unique<runlog::RunLog>(opt.log_dir);

  data::LoaderOptions lo;
  lo.batch_size = opt.batch_size;
  lo.seed = opt.seed;
  lo.rank = ctx.rank();
  lo.world = ctx.world();
  lo.crop_padding = opt.augment ? 2 : 0;
  lo.random_flip = opt.augment;
  lo.workers = opt.loader_workers;
  data::DataLoader loader(train_set, lo);

  double train_seconds = 0, wait_seconds = 0;
  int64_t train_samples = 0, run_steps = 0;
  std::string loss_log = "step,epoch,loss\n";
  CpuAllocator::get().reset_peak();
  for (int64_t epoch = start_epoch; epoch < opt.epochs; ++epoch) {
    schedule->apply(*optimizer, epoch);
    loader.start_epoch(epoch);
    ProgressBar bar(str_cat("epoch ", epoch + 1, "/", opt.epochs), loader.batches_per_epoch(), opt.progress && leader);
    Timer timer;
    double loss_sum = 0;
    int64_t seen = 0, batch_index = 0;
    while (auto batch = loader.next()) {
      optimizer->zero_grad();
      ctx.before_forward(batch->inputs, batch->labels);
      const Tensor loss = cross_entropy((*model)(batch->inputs), batch->labels);
      ctx.before_backward(*model);
      autograd::backward(loss);
      if (leader && opt.dump_every > 0 && !opt.dump_grads.empty() && result.steps % opt.dump_every == 0)
        dump_gradients(*model, opt.dump_grads, result.steps);
      if (ctx.after_backward(*model, epoch)) {
        optimizer->step();
        if (dropback) dropback->after_step();
      }
      const double l = loss.item();
      TERN_CHECK(std::isfinite(l), "training diverged: loss is ", l, " at epoch ", epoch + 1, " step ", batch_index,
                 " (try a smaller --lr)");
      if (!opt.loss_log.empty()) {
        char row[64];
        std::snprintf(row, sizeof row, "%lld,%lld,%.9g\n", static_cast<long long>(result.steps),
                      static_cast<long long>(epoch + 1), l);
        loss_log += row;
      }
      if (run_log) run_log->step(result.steps, epoch + 1, l, optimizer->lr());
      ctx.after_step(*model, l);
      const int64_t n = batch->labels.numel();
      loss_sum += l * n;
      seen += n;
      ++result.steps;
      ++batch_index;
      bar.update(batch_index, str_cat("loss ", std::round(loss_sum / seen * 1e4) / 1e4, "  ",
                                      static_cast<int64_t>(seen / std::max(timer.seconds(), 1e-9)), " samples/s"));
    }
    const double secs = timer.seconds();
    const double wait = loader.wait_seconds();  // this epoch's time blocked in next()
    if (dropback && opt.dropback_freeze && epoch + 1 == *opt.dropback_freeze) dropback->freeze();
    ctx.end_epoch(*model);
    // Each process scores its share of the test set; the context adds them up.
    const int64_t test_begin = test_set->size() * ctx.rank() / ctx.world();
    const int64_t test_end = test_set->size() * (ctx.rank() + 1) / ctx.world();
    double totals[4] = {loss_sum, static_cast<double>(seen),
                        static_cast<double>(count_correct(*model, *test_set, test_begin, test_end)),
                        static_cast<double>(test_end - test_begin)};
    ctx.sum(totals);
    train_seconds += secs;
    wait_seconds += wait;
    run_steps += batch_index;
    train_samples += static_cast<int64_t>(totals[1]);
    EpochResult er;
    er.epoch = epoch + 1;
    er.train_loss = totals[0] / std::max(totals[1], 1.0);
    er.samples_per_second = totals[1] / std::max(secs, 1e-9);
    er.seconds = secs;
    er.test_accuracy = totals[3] > 0 ? totals[2] / totals[3] : 0.0;
    er.step_ms = batch_index ? secs / batch_index * 1e3 : 0.0;
    er.loader_wait_ms = batch_index ? wait / batch_index * 1e3 : 0.0;
    bar.finish(str_cat("loss ", std::round(er.train_loss * 1e4) / 1e4, "  test acc ",
                       std::round(er.test_accuracy * 1e4) / 100, "%"));
    result.epochs.push_back(er);
    if (run_log) run_log->epoch(er, result.steps, optimizer->lr());
    if (leader && !opt.checkpoint.empty() && dropback) {
      io::CheckpointMeta meta;
      meta.model = opt.model;
      meta.step = result.steps;
      meta.epoch = epoch + 1;
      const int64_t bytes = io::save_sparse_checkpoint(opt.checkpoint, sparse_state(*model, *dropback),
                                                       model->named_buffers(), meta);
      if (!result.dropback) result.dropback.emplace();
      result.dropback->checkpoint_bytes = bytes;
    } else if (leader && !opt.checkpoint.empty()) {
      io::CheckpointMeta meta;
      meta.model = opt.model;
      meta.optimizer = opt.optimizer;
      meta.step = result.steps;
      meta.epoch = epoch + 1;
      io::save_checkpoint(opt.checkpoint, model->state(), optimizer->state_dict(), meta);
    }
    if (!opt.checkpoint.empty()) ctx.save_state(opt.checkpoint, epoch + 1);
    if (leader && !opt.loss_log.empty()) write_file_atomic(opt.loss_log, loss_log);
    if (on_epoch) on_epoch(er);
  }
  result.test_accuracy = result.epochs.empty() ? 0 : result.epochs.back().test_accuracy;
  if (dropback) {
    if (!result.dropback) result.dropback.emplace();
    DropbackReport& d = *result.dropback;
    d.k = dropback->k();
    d.total = dropback->total();
    d.baseline = optim::baseline_name(dropback->baseline());
    d.select_seconds = dropback->select_seconds();
    d.train_seconds = train_seconds;
    d.dense_checkpoint_bytes = dense_checkpoint_bytes(*model);
  }
  result.samples_per_second = train_samples / std::max(train_seconds, 1e-9);
  result.step_ms = run_steps ? train_seconds / run_steps * 1e3 : 0.0;
  result.loader_wait_ms = run_steps ? wait_seconds / run_steps * 1e3 : 0.0;
  result.peak_tensor_bytes = CpuAllocator::get().stats().peak_bytes;
  return result;
}

EvalResult evaluate_checkpoint(const TrainOptions& opt, const std::string& checkpoint,
                               const std::string& predictions_out, const std::string& probabilities_out) {
  if (opt.threads != 0) set_num_threads(opt.threads);  // negative: an error there
  // The test set sized and normalised as in training (a --data spec's test
  // set is normalised by its training set, so both are read).
  auto test = load_dataset(opt, false);
  nn::ModulePtr model = make_model(opt, *test);
  io::load_weights(checkpoint, *model, {.expect_model = opt.model});
  model->eval();
  NoGradGuard no_grad;
  const int64_t classes = test->num_classes();
  std::vector<int64_t> labels, preds;
  std::string probs = "predicted";  // CSV: the predicted class, then one probability per class
  for (int64_t k = 0; k < classes; ++k) probs += ",p" + std::to_string(k);
  probs += '\n';
  constexpr int64_t kBatch = 1000;
  for (int64_t start = 0; start < test->size(); start += kBatch) {
    std::vector<int64_t> idx;
    for (int64_t i = start; i < std::min(test->size(), start + kBatch); ++i) idx.push_back(i);
    const data::Batch b = test->get(idx);
    const Tensor logits = (*model)(b.inputs);
    const Tensor pred = argmax(logits, 1);
    const int64_t* p = pred.data<int64_t>();
    const int64_t* y = b.labels.data<int64_t>();
    labels.insert(labels.end(), y, y + pred.numel());
    preds.insert(preds.end(), p, p + pred.numel());
    if (probabilities_out.empty()) continue;
    const Tensor sm = contiguous(softmax(logits, 1));
    const float* q = sm.data<float>();
    char buf[32];
    for (int64_t i = 0; i < pred.numel(); ++i) {
      probs += std::to_string(p[i]);
      for (int64_t k = 0; k < classes; ++k) {
        std::snprintf(buf, sizeof buf, ",%.6g", q[i * classes + k]);
        probs += buf;
      }
      probs += '\n';
    }
  }
  EvalResult r;
  r.classification = classify(labels, preds, classes);
  r.accuracy = r.classification.accuracy;
  r.examples = test->size();
  if (!predictions_out.empty()) {
    std::string text;
    for (int64_t p : preds) text += std::to_string(p) + '\n';
    write_file_atomic(predictions_out, text);
  }
  if (!probabilities_out.empty()) write_file_atomic(probabilities_out, probs);
  return r;
}

BenchResult bench_train(const std::string& model_name, int64_t batch_size, int64_t steps, int64_t warmup, int threads,
                        const std::string& optimizer_name) {
  TERN_CHECK(batch_size > 0, "batch size must be positive, got ", batch_size);
  TERN_CHECK(steps > 0, "steps must be positive, got ", steps);
  if (threads != 0) set_num_threads(threads);
  manual_seed(1);
  const nn::ModelSpec& spec = nn::find_model(model_name);
  TERN_CHECK(spec.image_model, "bench train supports image classifiers; ", model_name, " is a token model");
  nn::ModulePtr model = spec.make(spec.defaults);
  optim::OptimizerOptions oo;
  oo.lr = 0.01;
  oo.momentum = 0.9;
  auto optimizer = optim::make_optimizer(optimizer_name, param_refs(*model), oo);
  Shape in = nn::sample_input_shape(spec, spec.defaults);
  in.insert(0, batch_size);
  const Tensor x = randn(in);
  Tensor y = Tensor::empty({batch_size}, DType::i64);
  for (int64_t i = 0; i < batch_size; ++i) y.data<int64_t>()[i] = i % spec.defaults.num_classes;
  auto step = [&] {
    optimizer->zero_grad();
    autograd::backward(cross_entropy((*model)(x), y));
    optimizer->step();
  };
  for (int64_t i = 0; i < warmup; ++i) step();
  CpuAllocator::get().reset_peak();
  Timer timer;
  const double cpu0 = process_cpu_seconds();
  for (int64_t i = 0; i < steps; ++i) step();
  const double secs = timer.seconds(), cpu = process_cpu_seconds() - cpu0;
  BenchResult r;
  r.samples_per_second = steps * batch_size / secs;
  r.samples_per_cpu_second = steps * batch_size / std::max(cpu, 1e-9);
  r.step_ms = secs / steps * 1e3;
  r.peak_tensor_bytes = CpuAllocator::get().stats().peak_bytes;
  return r;
}

}  // namespace tern::train
