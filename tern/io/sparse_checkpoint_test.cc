#include <gtest/gtest.h>

#include <cstring>

#include "tern/base/philox.h"
#include "tern/io/sparse_checkpoint.h"
#include "tern/io/test_util.h"

namespace tern::io {
namespace {

using testing::TempDir;

Tensor ramp(const Shape& s) {
  Tensor t = Tensor::empty(s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = 0.5f * static_cast<float>(i) - 3;
  return t;
}

// A weight with gaps of every size class (1, 255, 256, > 510), a bias, a buffer.
std::string sample_bytes() {
  std::vector<int64_t> idx = {0, 1, 255, 256, 511, 1023, 1024, 3000, 3999};
  std::vector<SparseTensor> s = {make_sparse_tensor("fc.weight", ramp({4, 1000}), idx, "uniform -1 1 seed 3 offset 0"),
                                 make_sparse_tensor("fc.bias", ramp({4}), {}, "constant 0")};
  return encode_sparse_checkpoint(s, {{"bn.running_mean", ramp({3})}}, {.model = "m", .step = 7, .epoch = 2});
}

TEST(SparseCheckpoint, RoundTripsIndicesValuesShapesAndInit) {
  TempDir dir;
  const std::string path = dir.file("s.safetensors");
  const std::vector<int64_t> idx = {0, 1, 255, 256, 511, 1023, 1024, 3000, 3999};
  const Tensor w = ramp({4, 1000});
  const int64_t bytes = save_sparse_checkpoint(
      path, {make_sparse_tensor("fc.weight", w, idx, "uniform -1 1 seed 3 offset 0")}, {{"bn.running_mean", ramp({3})}},
      {.model = "m", .step = 7, .epoch = 2});
  EXPECT_EQ(bytes, static_cast<int64_t>(std::filesystem::file_size(path)));
  const SparseCheckpoint ck = load_sparse_checkpoint(path);
  ASSERT_EQ(ck.sparse.size(), 1u);
  EXPECT_EQ(ck.sparse[0].indices, idx);
  EXPECT_EQ(ck.sparse[0].shape, (Shape{4, 1000}));
  EXPECT_EQ(ck.sparse[0].init, "uniform -1 1 seed 3 offset 0");
  for (size_t j = 0; j < idx.size(); ++j) EXPECT_EQ(ck.sparse[0].values.data<float>()[j], w.data<float>()[idx[j]]);
  ASSERT_EQ(ck.dense.size(), 1u);
  EXPECT_EQ(ck.dense[0].first, "bn.running_mean");
  EXPECT_EQ(ck.meta.model, "m");
  EXPECT_EQ(ck.meta.step, 7);
  EXPECT_EQ(ck.meta.epoch, 2);
}

TEST(SparseCheckpoint, OneTenthOfTheWeightsCostsAboutOneEighthOfTheDenseSize) {
  const int64_t n = 300 * 784;
  const Tensor w = ramp({300, 784});
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < n; ++i)
    if (Philox::uniform(9, i) < 0.1f) idx.push_back(i);
  const std::string sparse = encode_sparse_checkpoint({make_sparse_tensor("w", w, idx, "constant 0")}, {}, {});
  const std::string dense = encode_safetensors({{"model.w", w}});
  EXPECT_LT(static_cast<double>(sparse.size()), 0.14 * static_cast<double>(dense.size()));
}

TEST(SparseCheckpoint, EveryTruncationIsOneLineIOError) {
  const std::string bytes = sample_bytes();
  for (size_t n = 0; n < bytes.size(); ++n) {
    try {
      decode_sparse_checkpoint(decode_safetensors(std::string_view(bytes).substr(0, n), "x"), "x");
      ADD_FAILURE() << "accepted a file cut at " << n;
    } catch (const IOError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
      EXPECT_EQ(std::string(e.what()).rfind("x: ", 0), 0u) << e.what();
    }
  }
}

// Bytes of a file holding one sparse tensor "w" of shape `shape` with these raw parts.
std::string crafted(std::vector<uint8_t> gaps, std::vector<float> values, const std::string& shape = "10",
                    bool with_init = true, NamedTensors extra = {}) {
  Tensor g = Tensor::empty({static_cast<int64_t>(gaps.size())}, DType::u8);
  if (!gaps.empty()) std::memcpy(g.raw_data(), gaps.data(), gaps.size());
  Tensor v = Tensor::empty({static_cast<int64_t>(values.size())});
  if (!values.empty()) std::memcpy(v.raw_data(), values.data(), values.size() * 4);
  NamedTensors all = {{"sparse.w.idx", g}, {"sparse.w.val", v}};
  for (auto& e : extra) all.push_back(e);
  Metadata m = {{"tern.format", kSparseCheckpointFormat}, {"shape.w", shape}};
  if (with_init) m["init.w"] = "constant 0";
  return encode_safetensors(all, m);
}

std::string error_for(const std::string& bytes) {
  try {
    decode_sparse_checkpoint(decode_safetensors(bytes, "f"), "f");
  } catch (const IOError& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.what();
  }
  return "";
}

TEST(SparseCheckpoint, MalformedFilesAreRefusedNamingTheProblem) {
  EXPECT_EQ(error_for(crafted({1, 2}, {1, 2})), "");  // indices 0 and 2 of 10: fine
  EXPECT_NE(error_for(crafted({1, 10}, {1, 2})).find("reaches index 10, beyond the 10 elements"), std::string::npos);
  EXPECT_NE(error_for(crafted({0, 1}, {1})).find("beyond"), std::string::npos);
  EXPECT_NE(error_for(crafted({1, 2, 3}, {1, 2})).find("3 indices but 2 values"), std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1, 2})).find("1 indices but 2 values"), std::string::npos);
  EXPECT_NE(error_for(crafted({1, 0}, {1}, "1000")).find("ends in a 0 byte"), std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1}, "ten")).find("shape.w"), std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1}, "-4")).find("shape.w"), std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1}, "1099511627776,1099511627776")).find("larger than 2^40"), std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1}, "10", false)).find("'init.w' is missing"), std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1}, "10", true, {{"other", Tensor::empty({1})}})).find("unexpected tensor 'other'"),
            std::string::npos);
  EXPECT_NE(error_for(crafted({1}, {1}, "10", true, {{"dense.w", Tensor::empty({1})}})).find("both sparse and dense"),
            std::string::npos);
  EXPECT_NE(error_for(encode_safetensors({{"sparse.w.val", Tensor::empty({1})}}, {{"tern.format", kSparseCheckpointFormat}}))
                .find("has no 'sparse.w.idx'"),
            std::string::npos);
  EXPECT_NE(error_for(encode_safetensors({{"model.w", Tensor::empty({1})}}, {{"tern.format", "tern.checkpoint.v1"}}))
                .find("not a sparse checkpoint"),
            std::string::npos);
  EXPECT_THROW(make_sparse_tensor("w", ramp({5}), {3, 2}, ""), ValueError);
  EXPECT_THROW(make_sparse_tensor("w", ramp({5}), {5}, ""), ValueError);
}

// Random byte changes anywhere: refused with one line, or read back with every index in range.
TEST(SparseCheckpoint, FuzzedBytesNeverCrash) {
  const std::string good = sample_bytes();
  for (int trial = 0; trial < 3000; ++trial) {
    std::string b = good;
    const int flips = 1 + trial % 4;
    for (int f = 0; f < flips; ++f) {
      const size_t at = Philox::bits(trial, 2 * f) % b.size();
      b[at] = static_cast<char>(Philox::bits(trial, 2 * f + 1));
    }
    try {
      const SparseCheckpoint ck = decode_sparse_checkpoint(decode_safetensors(b, "f"), "f");
      for (const SparseTensor& s : ck.sparse) {
        int64_t numel = 1;
        for (int64_t d : s.shape) numel *= d;
        for (int64_t i : s.indices) ASSERT_TRUE(i >= 0 && i < numel);
        ASSERT_EQ(static_cast<int64_t>(s.indices.size()), s.values.numel());
      }
    } catch (const IOError& e) {
      ASSERT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tern::io
