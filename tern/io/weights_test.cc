#include "tern/io/weights.h"

#include "tern/base/philox.h"
#include "tern/io/checkpoint.h"
#include "tern/io/test_util.h"
#include "tern/nn/models.h"

namespace tern::io {
namespace {

using testing::bit_equal;
using testing::contains;
using testing::error_of;
using testing::TempDir;

nn::ModulePtr lenet(uint64_t seed) {
  manual_seed(seed);
  return nn::make_model("lenet5", {1, 28, 10, 0});
}

// Whether every tensor of `a` equals the same-named one of `b`.
bool same_state(const nn::Module& a, const nn::Module& b) {
  const NamedTensors sa = a.state(), sb = b.state();
  if (sa.size() != sb.size()) return false;
  for (size_t i = 0; i < sa.size(); ++i)
    if (sa[i].first != sb[i].first || !bit_equal(sa[i].second, sb[i].second)) return false;
  return true;
}

NamedTensors renamed(const NamedTensors& state, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [name, t] : state) out.emplace_back(prefix + name, t);
  return out;
}

TEST(Weights, TernCheckpointLoadsModelTensorsAndIgnoresOptimiserState) {
  TempDir dir;
  auto trained = lenet(1), fresh = lenet(2);
  ASSERT_FALSE(same_state(*trained, *fresh));
  const NamedTensors optim{{"momentum.0", ones({6, 1, 5, 5})}, {"momentum.1", ones({6})}};
  save_checkpoint(dir.file("ck.safetensors"), trained->state(), optim, {.model = "lenet5", .epoch = 3});
  const WeightsReport r = load_weights(dir.file("ck.safetensors"), *fresh, {.expect_model = "lenet5"});
  EXPECT_TRUE(same_state(*trained, *fresh));
  EXPECT_EQ(r.kind, "tern checkpoint");
  EXPECT_EQ(r.model, "lenet5");
  EXPECT_EQ(r.loaded, static_cast<int64_t>(trained->state().size()));
  EXPECT_EQ(r.renamed, 0);
  EXPECT_EQ(r.ignored, 2);
}

TEST(Weights, CheckpointOfAnotherModelIsRefusedByName) {
  TempDir dir;
  auto m = lenet(1);
  save_checkpoint(dir.file("ck.safetensors"), m->state(), {}, {.model = "lenet5"});
  const std::string e = error_of([&] { load_weights(dir.file("ck.safetensors"), *m, {.expect_model = "mlp"}); });
  EXPECT_TRUE(contains(e, "holds a lenet5 model, not mlp")) << e;
}

TEST(Weights, StateDictBareOrUnderAWrapperPrefix) {
  for (const std::string prefix : {"", "model.", "module."}) {
    TempDir dir;
    auto saved = lenet(1), fresh = lenet(2);
    NamedTensors file = renamed(saved->state(), prefix);
    save_safetensors(dir.file("sd.safetensors"), file);
    const WeightsReport r = load_weights(dir.file("sd.safetensors"), *fresh);
    EXPECT_TRUE(same_state(*saved, *fresh)) << prefix;
    EXPECT_EQ(r.kind, "state dict");
    EXPECT_EQ(r.renamed, prefix.empty() ? 0 : r.loaded) << prefix;
  }
}

TEST(Weights, TorchvisionResNetNamesAndBatchCountersAreAccepted) {
  TempDir dir;
  manual_seed(1);
  auto saved = nn::make_model("resnet18", {3, 32, 7, 0});
  manual_seed(2);
  auto fresh = nn::make_model("resnet18", {3, 32, 7, 0});
  // As torchvision names them: "layer2.0.downsample.0.weight", and one
  // num_batches_tracked counter per batch norm.
  NamedTensors file;
  int64_t shortcuts = 0, norms = 0;
  for (const auto& [name, t] : saved->state()) {
    std::string torch_name = name;
    if (auto at = name.find(".shortcut."); at != std::string::npos) {
      torch_name.replace(at, 10, ".downsample.");
      ++shortcuts;
    }
    file.emplace_back(torch_name, t);
    if (name.ends_with(".running_var")) {
      file.emplace_back(torch_name.substr(0, torch_name.size() - 11) + "num_batches_tracked", full({}, 7, DType::i64));
      ++norms;
    }
  }
  ASSERT_GT(shortcuts, 0);
  save_safetensors(dir.file("resnet18.safetensors"), file);
  const WeightsReport r = load_weights(dir.file("resnet18.safetensors"), *fresh);
  EXPECT_TRUE(same_state(*saved, *fresh));
  EXPECT_EQ(r.renamed, shortcuts);
  EXPECT_EQ(r.ignored, norms);
}

TEST(Weights, AShapeMismatchSuggestsExcludingTheHeadAndExcludeKeepsIt) {
  TempDir dir;
  manual_seed(1);
  auto saved = nn::make_model("lenet5", {1, 28, 10, 0});
  save_safetensors(dir.file("sd.safetensors"), saved->state());
  manual_seed(2);
  auto three_classes = nn::make_model("lenet5", {1, 28, 3, 0});
  const NamedTensors before = three_classes->state();
  std::vector<Tensor> copies;
  for (const auto& [name, t] : before) copies.push_back(clone(t));
  const std::string e = error_of<ValueError>([&] { load_weights(dir.file("sd.safetensors"), *three_classes); });
  EXPECT_TRUE(contains(e, "has shape [10")) << e;
  EXPECT_TRUE(contains(e, "exclude 'fc3'")) << e;
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(bit_equal(before[i].second, copies[i])) << before[i].first;

  const WeightsReport r = load_weights(dir.file("sd.safetensors"), *three_classes, {.exclude = {"fc3"}});
  EXPECT_EQ(r.kept, (std::vector<std::string>{"fc3.weight", "fc3.bias"}));
  EXPECT_EQ(r.ignored, 2);
  for (const auto& [name, t] : three_classes->state()) {
    const Tensor* src = nullptr;
    for (const auto& [n, s] : saved->state())
      if (n == name) src = &s;
    ASSERT_NE(src, nullptr);
    if (name.starts_with("fc3.")) EXPECT_FALSE(bit_equal(*src, t)) << name;
    else EXPECT_TRUE(bit_equal(*src, t)) << name;
  }
}

TEST(Weights, MissingAndUnexpectedTensorsAreNamed) {
  TempDir dir;
  auto m = lenet(1);
  NamedTensors file = m->state();
  const std::string dropped = file.back().first;
  file.pop_back();
  save_safetensors(dir.file("short.safetensors"), file);
  std::string e = error_of<ValueError>([&] { load_weights(dir.file("short.safetensors"), *m); });
  EXPECT_TRUE(contains(e, dropped)) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;

  file = m->state();
  file.emplace_back("head.weight", ones({2, 2}));
  save_safetensors(dir.file("long.safetensors"), file);
  e = error_of<ValueError>([&] { load_weights(dir.file("long.safetensors"), *m); });
  EXPECT_TRUE(contains(e, "head.weight")) << e;
}

TEST(Weights, NotASafetensorsFileIsAnIOError) {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.file("junk").c_str(), "wb");
    std::fputs("PK\x03\x04 not safetensors", f);
    std::fclose(f);
  }
  auto m = lenet(1);
  const std::string e = error_of<IOError>([&] { load_weights(dir.file("junk"), *m); });
  EXPECT_TRUE(contains(e, dir.file("junk"))) << e;
}

TEST(Weights, TernNameFor) {
  const std::set<std::string> names{"conv1.weight", "layer2.0.shortcut.0.weight", "fc.bias"};
  EXPECT_EQ(tern_name_for("conv1.weight", names), "conv1.weight");
  EXPECT_EQ(tern_name_for("module.conv1.weight", names), "conv1.weight");
  EXPECT_EQ(tern_name_for("model.fc.bias", names), "fc.bias");
  EXPECT_EQ(tern_name_for("layer2.0.downsample.0.weight", names), "layer2.0.shortcut.0.weight");
  EXPECT_EQ(tern_name_for("module.layer2.0.downsample.0.weight", names), "layer2.0.shortcut.0.weight");
  EXPECT_EQ(tern_name_for("bn1.num_batches_tracked", names), "");
  EXPECT_EQ(tern_name_for("head.weight", names), "head.weight");
}

}  // namespace
}  // namespace tern::io
