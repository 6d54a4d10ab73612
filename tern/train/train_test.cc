#include <gtest/gtest.h>

#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "tern/train/trainer.h"

namespace tern::train {

TrainOptions small_run() {
  TrainOptions o;
  o.model = "lenet5";
  o.dataset = "synthetic";
  o.synthetic_size = 1200;
  o.epochs = 2;
  o.batch_size = 32;
  o.lr = 0.05;
  o.progress = false;
  o.threads = 1;
  return o;
}

TEST(Train, LearnsSyntheticData) {
  const TrainResult r = train(small_run());
  ASSERT_EQ(r.epochs.size(), 2u);
  EXPECT_GT(r.test_accuracy, 0.9);
  EXPECT_LT(r.epochs[1].train_loss, r.epochs[0].train_loss);
  EXPECT_GT(r.peak_tensor_bytes, 0);
}

// Training 2 epochs straight and training 1, checkpointing, then resuming
// for the second must give the same model: same loss, same accuracy.
TEST(Train, ResumeContinuesTheSameTrajectory) {
  const std::string ck = ::testing::TempDir() + "/tern_resume_test.safetensors";
  const TrainResult straight = train(small_run());
  TrainOptions first = small_run();
  first.epochs = 1;
  first.checkpoint = ck;
  train(first);
  TrainOptions second = small_run();
  second.resume = ck;
  const TrainResult resumed = train(second);
  ASSERT_EQ(resumed.epochs.size(), 1u);
  EXPECT_EQ(resumed.epochs[0].train_loss, straight.epochs[1].train_loss);
  EXPECT_EQ(resumed.test_accuracy, straight.test_accuracy);
  std::remove(ck.c_str());
}

// --init-from: the trained weights, not the optimiser or epoch count. At a
// learning rate too small to learn anything in one epoch, a run started from
// a trained checkpoint keeps its accuracy; one started fresh (from the same
// initialisation the trained run began with) stays at chance.
TEST(Train, InitFromStartsANewRunFromTrainedWeights) {
  const std::string ck = ::testing::TempDir() + "/tern_init_from_test.safetensors";
  TrainOptions trained = small_run();
  trained.checkpoint = ck;
  const TrainResult t = train(trained);
  ASSERT_GT(t.test_accuracy, 0.9);

  TrainOptions tune = small_run();
  tune.epochs = 1;
  tune.lr = 1e-7;
  const TrainResult fresh = train(tune);
  EXPECT_LT(fresh.test_accuracy, 0.5);
  EXPECT_FALSE(fresh.init.has_value());

  tune.init_from = ck;
  const TrainResult from = train(tune);
  ASSERT_TRUE(from.init.has_value());
  EXPECT_EQ(from.init->kind, "tern checkpoint");
  EXPECT_EQ(from.init->loaded, 10);  // LeNet-5: 5 layers, weight and bias
  EXPECT_GT(from.init->ignored, 0);  // the optimiser's momentum
  EXPECT_NEAR(from.test_accuracy, t.test_accuracy, 0.02);
  EXPECT_EQ(from.steps, 1200 / 32 + 1);  // a new run: steps counted from 0

  tune.init_exclude = {"fc3"};  // a new head (weights_test checks it is left as initialised)
  const TrainResult head = train(tune);
  EXPECT_EQ(head.init->kept, (std::vector<std::string>{"fc3.weight", "fc3.bias"}));

  // tern eval's files: one class per line, and a CSV of probabilities.
  const std::string preds = ck + ".preds", probs = ck + ".probs.csv";
  const EvalResult e = evaluate_checkpoint(small_run(), ck, preds, probs);
  EXPECT_EQ(e.accuracy, t.test_accuracy);
  int64_t confusion_total = 0, diagonal = 0;
  for (int64_t k = 0; k < 10; ++k)
    for (int64_t j = 0; j < 10; ++j) {
      confusion_total += e.classification.count(k, j);
      if (k == j) diagonal += e.classification.count(k, j);
    }
  EXPECT_EQ(confusion_total, e.examples);
  EXPECT_EQ(diagonal, std::llround(e.accuracy * e.examples));
  std::ifstream pf(preds), qf(probs);
  std::string header, line;
  std::getline(qf, header);
  EXPECT_EQ(header.substr(0, 15), "predicted,p0,p1");
  int64_t rows = 0;
  while (std::getline(qf, line)) {
    std::string pred_line;
    ASSERT_TRUE(std::getline(pf, pred_line));
    std::stringstream ss(line);
    std::string cell;
    std::getline(ss, cell, ',');
    EXPECT_EQ(cell, pred_line);
    const int64_t predicted = std::stoll(cell);
    double sum = 0, best = -1;
    int64_t best_k = -1;
    for (int64_t k = 0; std::getline(ss, cell, ','); ++k) {
      const double q = std::stod(cell);
      sum += q;
      if (q > best) best = q, best_k = k;
    }
    EXPECT_NEAR(sum, 1.0, 1e-4);
    EXPECT_EQ(best_k, predicted);
    ++rows;
  }
  EXPECT_EQ(rows, e.examples);
  std::remove(preds.c_str());
  std::remove(probs.c_str());

  TrainOptions both = tune;
  both.resume = ck;
  EXPECT_THROW(train(both), ValueError);
  TrainOptions dropback = tune;
  dropback.init_exclude = {};
  dropback.dropback_ratio = 10;
  EXPECT_THROW(train(dropback), ValueError);
  std::remove(ck.c_str());
}

TEST(Train, BadOptionsAreClearErrors) {
  TrainOptions o = small_run();
  o.batch_size = 0;
  EXPECT_THROW(train(o), ValueError);
  o = small_run();
  o.model = "nosuchmodel";
  EXPECT_THROW(train(o), ValueError);
  o = small_run();
  o.dataset = "fashion-mnist";
  o.data_dir = "/nonexistent";
  EXPECT_THROW(train(o), IOError);
  o = small_run();
  o.resume = "/nonexistent/ck.safetensors";
  EXPECT_THROW(train(o), Error);
}

// Dropback end to end: a sparse checkpoint at 10x is under 0.2x the dense
// size, and tern eval's path rebuilds the dense model from it exactly (same
// accuracy as the model at the end of training, predictions included).
TEST(Train, DropbackSparseCheckpointEvaluatesLikeTheTrainedModel) {
  const std::string ck = ::testing::TempDir() + "/tern_dropback_test.safetensors";
  for (const char* baseline : {"none", "magnitude-init"}) {
    TrainOptions o = small_run();
    o.model = "lenet300";
    o.dropback_ratio = 10;
    o.dropback_baseline = baseline;
    if (std::string(baseline) == "none") o.dropback_freeze = 1;
    o.checkpoint = ck;
    const TrainResult r = train(o);
    ASSERT_TRUE(r.dropback.has_value());
    EXPECT_EQ(r.dropback->k, 26661);
    EXPECT_EQ(r.dropback->total, 266610);
    EXPECT_GT(r.dropback->select_seconds, 0);
    EXPECT_EQ(r.dropback->checkpoint_bytes, static_cast<int64_t>(std::filesystem::file_size(ck)));
    EXPECT_LT(r.dropback->checkpoint_bytes, 0.2 * r.dropback->dense_checkpoint_bytes);
    EXPECT_GT(r.test_accuracy, 0.8) << baseline;
    const EvalResult e = evaluate_checkpoint(o, ck);
    EXPECT_EQ(e.accuracy, r.test_accuracy) << baseline;
  }
  std::remove(ck.c_str());
}

TEST(Train, BadDropbackOptionsAreClearErrors) {
  auto fails = [](TrainOptions o, const std::string& part) {
    try {
      check_train_options(o);
      ADD_FAILURE() << "accepted; expected " << part;
    } catch (const ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  TrainOptions o = small_run();
  o.dropback_k = 0;
  fails(o, "--dropback-k");
  o = small_run();
  o.dropback_k = 5;
  o.dropback_ratio = 3;
  fails(o, "exclude each other");
  o = small_run();
  o.dropback_ratio = 0.5;
  fails(o, "--dropback-ratio");
  o = small_run();
  o.dropback_freeze = 1;
  fails(o, "needs --dropback-k");
  o.dropback_ratio = 10;
  o.dropback_freeze = 2;  // of 2 epochs
  fails(o, "--dropback-freeze");
  o = small_run();
  o.dropback_baseline = "magnitude-init";
  fails(o, "needs --dropback-k");
  o.dropback_k = 10;
  o.dropback_baseline = "magnitude";
  fails(o, "--dropback-baseline");
  o = small_run();
  o.dropback_k = 10;
  o.resume = "x.safetensors";
  fails(o, "cannot be resumed");
  o = small_run();
  o.model = "lenet300";
  o.dropback_k = 266611;
  EXPECT_THROW(train(o), ValueError);
}

TEST(Train, DumpsRawGradientsForTheCodecs) {
  const std::string dir = ::testing::TempDir() + "/tern_grad_dumps";
  std::filesystem::remove_all(dir);
  TrainOptions o = small_run();
  o.model = "mlp";
  o.epochs = 1;
  o.synthetic_size = 64;
  o.dump_grads = dir;
  o.dump_every = 1;
  train(o);
  // 64 examples / batch 32 = 2 steps, each dumping every parameter.
  const std::string w = dir + "/step1_fc1.weight.f32";
  ASSERT_TRUE(std::filesystem::exists(w));
  EXPECT_EQ(std::filesystem::file_size(w), 784u * 256u * 4u);
  EXPECT_TRUE(std::filesystem::exists(dir + "/step0_fc3.bias.f32"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/step2_fc3.bias.f32"));
  std::filesystem::remove_all(dir);
}

// --data: a CSV table of two separable classes; the MLP sizes its first
// layer from the 3 feature columns, and the report has the loader's wait.
TEST(Train, DataSpecTrainsFlatModelsOnFeatureVectors) {
  const std::string path = ::testing::TempDir() + "/tern_train_data_spec_" + std::to_string(::getpid()) + ".csv";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fprintf(f, "a,b,c,label\n");
    for (int i = 0; i < 300; ++i) {
      const int y = i % 2;
      std::fprintf(f, "%d,%f,%f,%d\n", i % 7, y ? 2.0 + (i % 5) * 0.1 : -2.0 - (i % 3) * 0.1, (i % 11) * 0.3, y);
    }
    std::fclose(f);
  }
  TrainOptions o = small_run();
  o.model = "mlp";
  o.data = "csv:" + path;
  o.epochs = 1;
  o.loader_workers = 2;
  const TrainResult r = train(o);
  EXPECT_GT(r.test_accuracy, 0.95);
  EXPECT_EQ(r.steps, 8);  // 240 training rows (holdout 0.2) in batches of 32
  EXPECT_GT(r.epochs[0].step_ms, 0);
  EXPECT_GE(r.epochs[0].loader_wait_ms, 0);
  EXPECT_LT(r.epochs[0].loader_wait_ms, r.epochs[0].step_ms);
  const nn::ModulePtr m = make_model(o, *load_dataset(o, true));
  EXPECT_EQ(m->named_parameters()[0].second.shape(), (Shape{256, 3}));
  o.model = "lenet5";
  try {
    train(o);
    FAIL() << "lenet5 on feature vectors";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("needs square images [C, H, H], the dataset gives examples of shape [3]"),
              std::string::npos)
        << e.what();
  }
  o.data = "csv:" + path + ",lable=x";
  EXPECT_THROW(check_train_options(o), ValueError);
  o.data = "csv:" + path;
  o.loader_workers = 9;
  EXPECT_THROW(check_train_options(o), ValueError);
  std::remove(path.c_str());
}

TEST(Bench, TrainStepsReportThroughputAndMemory) {
  const BenchResult r = bench_train("mlp", 16, 3, 1, 1);
  EXPECT_GT(r.samples_per_second, 0);
  EXPECT_GT(r.peak_tensor_bytes, 269322 * 4);  // at least the parameters
}

}  // namespace tern::train
