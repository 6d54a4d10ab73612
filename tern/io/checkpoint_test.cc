#include "tern/io/checkpoint.h"

#include "tern/base/atomic_file.h"
#include "tern/io/test_util.h"

namespace tern::io {
namespace {

using testing::bit_equal;
using testing::contains;
using testing::error_of;

Tensor param(const Shape& shape, double start) {
  Tensor t = add_scalar(mul_scalar(arange(0, static_cast<double>(numel_of(shape)), 1, DType::f32), 0.5), start);
  t = reshape(t, shape.vec());
  t = clone(t);
  t.set_requires_grad(true);
  return t;
}

// A small model's tensors: two weights, a bias, a running-mean buffer.
NamedTensors model_tensors(double start) {
  return {{"fc1.weight", param({4, 3}, start)},
          {"fc1.bias", param({4}, start + 1)},
          {"fc2.weight", param({2, 4}, start + 2)},
          {"bn.running_mean", clone(full({2}, start, DType::f32))}};
}

TEST(Checkpoint, RoundTripsModelOptimizerAndProgress) {
  testing::TempDir dir;
  const std::string path = dir.file("ck.safetensors");
  const NamedTensors model = model_tensors(1);
  const NamedTensors optim = {{"lr", Tensor::scalar(0.1, DType::f64)},
                              {"step", Tensor::scalar(300, DType::i64)},
                              {"fc1.weight.momentum", clone(full({4, 3}, 0.25))}};
  save_checkpoint(path, model, optim,
                  {.model = "mlp", .optimizer = "sgd", .step = 300, .epoch = 3, .extra = {{"dataset", "synthetic"}}});

  // What Python's safetensors would see.
  const SafeTensorsFile raw = load_safetensors(path);
  EXPECT_NE(raw.find("model.fc1.weight"), nullptr);
  EXPECT_NE(raw.find("optim.fc1.weight.momentum"), nullptr);
  EXPECT_EQ(raw.metadata.at("tern.step"), "300");
  EXPECT_EQ(raw.metadata.at("tern.format"), kCheckpointFormat);

  const Checkpoint ck = load_checkpoint(path);
  EXPECT_EQ(ck.meta.model, "mlp");
  EXPECT_EQ(ck.meta.optimizer, "sgd");
  EXPECT_EQ(ck.meta.step, 300);
  EXPECT_EQ(ck.meta.epoch, 3);
  EXPECT_EQ(ck.meta.extra, (Metadata{{"dataset", "synthetic"}}));
  ASSERT_EQ(ck.model.size(), model.size());
  ASSERT_EQ(ck.optim.size(), optim.size());

  // Restore into a second model: values copied in place, tensors kept.
  const NamedTensors other = model_tensors(-5);
  std::vector<const void*> storage;
  for (const auto& [n, t] : other) storage.push_back(t.raw_data());
  restore_model(ck, other);
  for (size_t i = 0; i < other.size(); ++i) {
    EXPECT_TRUE(bit_equal(other[i].second, model[i].second)) << other[i].first;
    EXPECT_EQ(other[i].second.raw_data(), storage[i]);
    EXPECT_EQ(other[i].second.requires_grad(), model[i].second.requires_grad());
  }
}

TEST(Checkpoint, ShapeMismatchNamesTensorAndShapes) {
  testing::TempDir dir;
  const std::string path = dir.file("x.safetensors");
  save_checkpoint(path, {{"fc1.weight", param({120, 400}, 0)}}, {});
  const NamedTensors model = {{"fc1.weight", param({84, 120}, 0)}};
  const std::vector<float> before = model[0].second.to_vector<float>();
  const std::string e = error_of<ValueError>([&] { restore_model(load_checkpoint(path), model); });
  EXPECT_EQ(e, "checkpoint " + path + ": tensor 'model.fc1.weight' has shape [120, 400], the model expects [84, 120]");
  EXPECT_EQ(model[0].second.to_vector<float>(), before);
}

TEST(Checkpoint, MissingAndUnexpectedTensorsAreListed) {
  const NamedTensors dst = model_tensors(0);
  NamedTensors src = model_tensors(1);
  src.erase(src.begin() + 1);  // no fc1.bias
  std::string e = error_of<ValueError>([&] { assign_tensors(dst, src, "checkpoint a", "model."); });
  EXPECT_EQ(e, "checkpoint a: the model expects tensor 'model.fc1.bias', missing here");
  src = model_tensors(1);
  src.emplace_back("fc3.weight", param({1}, 0));
  src.emplace_back("fc3.bias", param({1}, 0));
  e = error_of<ValueError>([&] { assign_tensors(dst, src, "checkpoint a", "model."); });
  EXPECT_EQ(e, "checkpoint a: tensors 'model.fc3.weight', 'model.fc3.bias' not expected by the model");
  // Nothing was copied by the failed calls.
  EXPECT_TRUE(bit_equal(dst[0].second, model_tensors(0)[0].second));
}

TEST(Checkpoint, AssignConvertsFloatDtypesAndRejectsOthers) {
  const NamedTensors dst = {{"w", clone(zeros({3}, DType::f32))}};
  assign_tensors(dst, {{"w", Tensor::from_vector<double>({1, 2, 3}, {3})}}, "test");
  EXPECT_EQ(dst[0].second.to_vector<float>(), (std::vector<float>{1, 2, 3}));
  const std::string e = error_of<TypeError>(
      [&] { assign_tensors(dst, {{"w", Tensor::from_vector<int64_t>({1, 2, 3}, {3})}}, "test"); });
  EXPECT_EQ(e, "test: tensor 'w' has dtype i64, the model expects f32");
}

TEST(Checkpoint, AssignWritesIntoAStridedView) {
  Tensor base = clone(zeros({2, 3}));
  const Tensor view = transpose(base, 0, 1);  // [3, 2], shares base's storage
  assign_tensors({{"v", view}}, {{"v", Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2})}}, "test");
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>{1, 3, 5, 2, 4, 6}));
}

TEST(Checkpoint, BadFilesFailWithTheirPath) {
  testing::TempDir dir;
  const std::string plain = dir.file("plain.safetensors");
  save_safetensors(plain, {{"weight", param({2}, 0)}});
  std::string e = error_of<IOError>([&] { load_checkpoint(plain); });
  EXPECT_TRUE(contains(e, plain + ": tensor 'weight' is neither model.* nor optim.*")) << e;
  const std::string bad_step = dir.file("step.safetensors");
  save_safetensors(bad_step, {}, {{"tern.step", "12x"}});
  e = error_of<IOError>([&] { load_checkpoint(bad_step); });
  EXPECT_TRUE(contains(e, bad_step + ": metadata 'tern.step': expected an integer >= 0, given '12x'")) << e;
  const std::string future = dir.file("future.safetensors");
  save_safetensors(future, {}, {{"tern.format", "tern.checkpoint.v9"}});
  e = error_of<IOError>([&] { load_checkpoint(future); });
  EXPECT_TRUE(contains(e, "checkpoint format 'tern.checkpoint.v9'")) << e;
  e = error_of<IOError>([&] { load_checkpoint(dir.file("missing.safetensors")); });
  EXPECT_TRUE(contains(e, "missing.safetensors")) << e;
  EXPECT_THROW(save_checkpoint(dir.file("r.safetensors"), {}, {}, {.extra = {{"tern.step", "1"}}}), ValueError);
}

TEST(Checkpoint, EveryTruncationOfACheckpointIsAnError) {
  testing::TempDir dir;
  const std::string path = dir.file("ck.safetensors");
  save_checkpoint(path, model_tensors(0), {{"step", Tensor::scalar(1, DType::i64)}}, {.step = 1});
  const std::string bytes = read_file(path);
  const std::string cut = dir.file("cut.safetensors");
  for (size_t n = 0; n < bytes.size(); n += 7) {
    write_file_atomic(cut, std::string_view(bytes).substr(0, n));
    EXPECT_THROW(load_checkpoint(cut), IOError) << n;
  }
}

}  // namespace
}  // namespace tern::io
