#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tern/data/idx.h"
#include "tern/data/loader.h"

namespace tern::data {

TEST(DataLoader, EpochVisitsEveryExampleOnceAndShufflesBySeed) {
  auto ds = synthetic_images(103, {1, 4, 4}, 5, 1);
  LoaderOptions o;
  o.batch_size = 10;
  o.seed = 3;
  DataLoader loader(ds, o);
  EXPECT_EQ(loader.batches_per_epoch(), 11);
  loader.start_epoch(0);
  int64_t seen = 0;
  std::vector<int64_t> first_labels;
  while (auto b = loader.next()) {
    seen += b->labels.numel();
    if (first_labels.empty()) first_labels = b->labels.to_vector<int64_t>();
  }
  EXPECT_EQ(seen, 103);
  loader.start_epoch(1);
  EXPECT_NE(loader.next()->labels.to_vector<int64_t>(), first_labels);  // reshuffled
  loader.start_epoch(0);
  EXPECT_EQ(loader.next()->labels.to_vector<int64_t>(), first_labels);  // reproducible
}

TEST(DataLoader, ShardsAreDisjointAndEqual) {
  auto ds = synthetic_images(40, {1, 2, 2}, 40, 1);  // 40 classes: labels identify examples... mostly
  std::multiset<double> all;
  for (int r = 0; r < 4; ++r) {
    LoaderOptions o;
    o.batch_size = 100;
    o.rank = r;
    o.world = 4;
    o.prefetch = 0;
    DataLoader loader(ds, o);
    loader.start_epoch(2);
    auto b = loader.next();
    ASSERT_TRUE(b);
    EXPECT_EQ(b->inputs.shape()[0], 10);
    for (int64_t i = 0; i < b->inputs.numel(); ++i) all.insert(b->inputs.item_at(i));
  }
  EXPECT_EQ(all.size(), 160u);
}

TEST(DataLoader, RejectsBadOptions) {
  auto ds = synthetic_images(10, {1, 2, 2}, 2, 1);
  LoaderOptions o;
  o.batch_size = 0;
  EXPECT_THROW(DataLoader(ds, o), ValueError);
  DataLoader loader(ds, LoaderOptions{});
  EXPECT_THROW(loader.next(), ValueError);  // no epoch started: an error, not a wait forever
}

TEST(FashionMnist, LoadsDebianPackageOrFailsClearly) {
  EXPECT_THROW(fashion_mnist("/nonexistent/dir", true), IOError);
  if (!std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz")) GTEST_SKIP();
  auto test = fashion_mnist(kFashionMnistDir, false);
  EXPECT_EQ(test->size(), 10000);
  Batch b = test->get({0, 1});
  EXPECT_EQ(b.inputs.shape(), (Shape{2, 1, 28, 28}));
  EXPECT_EQ(b.labels.item_at(0), 9);  // the first test image is an ankle boot
}

TEST(Augment, FlipIsAnInvolutionOnTheSameKey) {
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {1, 1, 2, 3});
  Tensor y = augment(x, 0, true, 1, 0), z = augment(y, 0, true, 1, 0);
  EXPECT_EQ(z.to_vector<float>(), x.to_vector<float>());
}

// Every batch's labels, in order, for one epoch.
std::vector<std::vector<int64_t>> epoch_labels(DataLoader& loader, int64_t epoch) {
  std::vector<std::vector<int64_t>> out;
  loader.start_epoch(epoch);
  while (auto b = loader.next()) out.push_back(b->labels.to_vector<int64_t>());
  return out;
}

TEST(DataLoader, WorkersHandOutTheSameBatchesInOrder) {
  auto ds = synthetic_images(257, {1, 3, 3}, 97, 2);  // 97 classes: label sequences tell orders apart
  LoaderOptions o;
  o.batch_size = 8;
  o.seed = 5;
  o.prefetch = 0;
  DataLoader sync(ds, o);
  const auto want = epoch_labels(sync, 3);
  ASSERT_EQ(want.size(), 33u);
  EXPECT_GE(sync.wait_seconds(), 0.0);
  for (int workers : {1, 3, 8}) {
    o.prefetch = 4;
    o.workers = workers;
    DataLoader loader(ds, o);
    EXPECT_EQ(epoch_labels(loader, 3), want) << workers << " workers";
    EXPECT_EQ(epoch_labels(loader, 3), want) << workers << " workers, again";
  }
  o.workers = 0;
  EXPECT_THROW(DataLoader(ds, o), ValueError);
  o.workers = kMaxLoaderWorkers + 1;
  EXPECT_THROW(DataLoader(ds, o), ValueError);
}

// A dataset whose examples from `bad` on cannot be read.
class Failing : public Dataset {
 public:
  explicit Failing(int64_t bad) : bad_(bad) {}
  int64_t size() const override { return 100; }
  Batch get(const std::vector<int64_t>& idx) const override {
    for (int64_t i : idx)
      if (i >= bad_) throw IOError("example " + std::to_string(i) + " unreadable");
    return {Tensor::empty({static_cast<int64_t>(idx.size()), 1}), Tensor::empty({static_cast<int64_t>(idx.size())}, DType::i64)};
  }
  Shape example_shape() const override { return {1}; }
  int64_t num_classes() const override { return 2; }

 private:
  int64_t bad_;
};

TEST(DataLoader, AWorkersErrorReachesTheLoop) {
  LoaderOptions o;
  o.batch_size = 10;
  o.shuffle = false;
  o.workers = 3;
  DataLoader loader(std::make_shared<Failing>(35), o);
  loader.start_epoch(0);
  int got = 0;
  try {
    while (loader.next()) ++got;
    FAIL() << "expected the dataset's error";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("unreadable"), std::string::npos);
  }
  EXPECT_LE(got, 3);  // batches 0-2 are readable; batch 3 holds example 35
  loader.start_epoch(1);  // a new epoch starts cleanly after the error
  EXPECT_THROW(while (loader.next()) {}, IOError);
}

}  // namespace tern::data
