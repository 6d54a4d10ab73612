// End to end: train, checkpoint model + optimiser, resume in a fresh
// process-like setup, and continue bit-identically.
#include "tern/autograd/engine.h"
#include "tern/io/checkpoint.h"
#include "tern/io/test_util.h"
#include "tern/optim/factory.h"

namespace tern::io {
namespace {

struct Trainer {
  Tensor w = clone(reshape(arange(0, 6, 1, DType::f32), {2, 3}));
  Tensor b = clone(zeros({2}));
  std::unique_ptr<optim::Optimizer> opt;
  explicit Trainer(const std::string& kind) {
    w.set_requires_grad(true);
    b.set_requires_grad(true);
    opt = optim::make_optimizer(kind, {{"w", w}, {"b", b}}, {.lr = 0.05, .momentum = 0.9});
  }
  NamedTensors model() const { return {{"w", w}, {"b", b}}; }
  // Loss: mean((x w^T + b - y)^2) on a fixed batch.
  void train_step() {
    const Tensor x = Tensor::from_vector<float>({1, -1, 0.5f, 0.2f, 2, -0.3f}, {2, 3});
    const Tensor y = Tensor::from_vector<float>({0.5f, -1}, {2, 1});
    opt->zero_grad();
    autograd::backward(mse_loss(linear(x, w, b), expand(y, {2, 2})));
    opt->step();
  }
};

TEST(Resume, CheckpointedTrainingContinuesBitIdentically) {
  for (const std::string kind : {"sgd", "adam", "rmsprop", "adagrad"}) {
    SCOPED_TRACE(kind);
    testing::TempDir dir;
    const std::string path = dir.file("ck.safetensors");
    Trainer a(kind);
    for (int s = 0; s < 4; ++s) a.train_step();
    save_checkpoint(path, a.model(), a.opt->state_dict(), {.model = "toy", .optimizer = kind, .step = 4});
    for (int s = 0; s < 4; ++s) a.train_step();

    Trainer b(kind);
    const Checkpoint ck = load_checkpoint(path);
    EXPECT_EQ(ck.meta.optimizer, kind);
    restore_model(ck, b.model());
    b.opt->load_state_dict(ck.optim);
    EXPECT_EQ(b.opt->steps(), 4);
    for (int s = 0; s < 4; ++s) b.train_step();
    EXPECT_TRUE(testing::bit_equal(a.w, b.w));
    EXPECT_TRUE(testing::bit_equal(a.b, b.b));
    EXPECT_FALSE(testing::bit_equal(a.w, Trainer(kind).w));  // training did move it
  }
}

}  // namespace
}  // namespace tern::io
