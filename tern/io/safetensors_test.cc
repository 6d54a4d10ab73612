#include "tern/io/safetensors.h"

#include <filesystem>
#include <fstream>
#include <random>

#include "tern/base/atomic_file.h"
#include "tern/io/test_util.h"

namespace tern::io {
namespace {

using testing::bit_equal;
using testing::contains;
using testing::error_of;

// One tensor of every dtype, some of them non-contiguous views.
NamedTensors every_dtype() {
  const Tensor base = Tensor::from_vector<float>({1.5f, -2.25f, 3, 0.1f, -7, 1e-3f}, {2, 3});
  return {
      {"f32.t", transpose(base, 0, 1)},  // a strided view
      {"f64", cast(base, DType::f64)},
      {"i32", Tensor::from_vector<int32_t>({-1, 2, 2147483647}, {3})},
      {"i64.step", slice(Tensor::from_vector<int64_t>({1, -2, 3, -4, int64_t{1} << 40}, {5}), 0, 0, 5, 2)},
      {"u8", Tensor::from_vector<uint8_t>({0, 255, 7}, {1, 3})},
      {"bool", Tensor::from_vector<bool>({true, false, true, true}, {2, 2})},
      {"f16", cast(base, DType::f16)},
      {"bf16", cast(transpose(base, 0, 1), DType::bf16)},
      {"scalar", Tensor::scalar(42, DType::i64)},
      {"empty", Tensor::empty({0, 4}, DType::f32)},
  };
}

TEST(SafeTensors, RoundTripsEveryDtypeThroughAFile) {
  testing::TempDir dir;
  const NamedTensors in = every_dtype();
  ASSERT_FALSE(in[0].second.is_contiguous());
  ASSERT_FALSE(in[3].second.is_contiguous());
  const Metadata meta = {{"format", "pt"}, {"note", "ünïcode ok"}};
  save_safetensors(dir.file("all.safetensors"), in, meta);
  const SafeTensorsFile out = load_safetensors(dir.file("all.safetensors"));
  EXPECT_EQ(out.metadata, meta);
  ASSERT_EQ(out.tensors.size(), in.size());
  for (const auto& [name, t] : in) {
    const Tensor* got = out.find(name);
    ASSERT_NE(got, nullptr) << name;
    EXPECT_TRUE(bit_equal(*got, t)) << name << ": " << got->to_string() << " vs " << t.to_string();
    EXPECT_TRUE(got->is_contiguous());
  }
}

TEST(SafeTensors, LaysOutDataAlignedAndSortedLikeTheReferenceWriter) {
  const SafeTensorsFile f = decode_safetensors(encode_safetensors(every_dtype()), "mem");
  // Descending dtype (I64, F64, F32, I32, BF16, F16, U8, BOOL), then by name.
  std::vector<std::string> order;
  for (const auto& [name, t] : f.tensors) order.push_back(name);
  const std::vector<std::string> expected = {"i64.step", "scalar", "f64", "empty", "f32.t",
                                             "i32",      "bf16",   "f16", "u8",    "bool"};
  EXPECT_EQ(order, expected);
}

// Bytes as Python's safetensors.torch.save_file({"a": torch.tensor([1., 2.])})
// writes them: header length 56 (54 bytes of JSON + 2 spaces), then the data.
std::string python_example() {
  const std::string json = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string bytes("\x38\0\0\0\0\0\0\0", 8);
  bytes += json + "  ";
  const float data[2] = {1.0f, 2.0f};
  bytes.append(reinterpret_cast<const char*>(data), sizeof data);
  return bytes;
}

TEST(SafeTensors, ReadsAndWritesThePythonPackagesBytes) {
  const std::string bytes = python_example();
  ASSERT_EQ(bytes.size(), 8u + 56 + 8);
  const SafeTensorsFile f = decode_safetensors(bytes, "python.safetensors");
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].first, "a");
  EXPECT_EQ(f.tensors[0].second.to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_TRUE(f.metadata.empty());
  EXPECT_EQ(encode_safetensors({{"a", Tensor::from_vector<float>({1, 2}, {2})}}), bytes);
}

TEST(SafeTensors, WritesMetadataFirstAndPadsTheHeader) {
  // 139 bytes of JSON, padded with 5 spaces to 144.
  const std::string json =
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  const std::string bytes = encode_safetensors(
      {{"a", Tensor::from_vector<float>({1, 2}, {2})}, {"b", Tensor::from_vector<int64_t>({5}, {1})}},
      {{"format", "pt"}});
  ASSERT_EQ(json.size(), 139u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x90\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(bytes.substr(8, 144), json + "     ");
  EXPECT_EQ(bytes.size(), 8u + 144 + 16);
}

TEST(SafeTensors, EveryTruncationIsAnError) {
  const std::string full = encode_safetensors(every_dtype(), {{"k", "v"}});
  for (size_t n = 0; n < full.size(); ++n) {
    const std::string cut = full.substr(0, n);
    EXPECT_THROW(decode_safetensors(cut, "cut.safetensors"), IOError) << "truncated to " << n << " bytes";
  }
  EXPECT_NO_THROW(decode_safetensors(full, "full.safetensors"));
}

TEST(SafeTensors, EveryTruncatedFileIsAnError) {
  // The same through load_safetensors, which reads the file in pieces.
  testing::TempDir dir;
  const std::string full = encode_safetensors(every_dtype(), {{"k", "v"}});
  const std::string path = dir.file("cut.safetensors");
  for (size_t n = 0; n < full.size(); ++n) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(full.data(), static_cast<std::streamsize>(n));
    const std::string e = error_of<IOError>([&] { load_safetensors(path); });
    EXPECT_TRUE(contains(e, path)) << n << ": " << e;
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(full.data(), static_cast<std::streamsize>(full.size()));
  EXPECT_EQ(load_safetensors(path).tensors.size(), every_dtype().size());
  // A directory is not a file.
  EXPECT_THROW(load_safetensors(dir.path().string()), IOError);
}

TEST(SafeTensors, EveryCorruptedHeaderByteIsHandled) {
  // Flipping any one header byte gives a clean error or a valid file, never a crash.
  const std::string full = encode_safetensors(every_dtype(), {{"k", "v"}});
  uint64_t n = 0;
  std::memcpy(&n, full.data(), 8);
  int errors = 0;
  for (size_t i = 0; i < 8 + n; ++i) {
    std::string bad = full;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      decode_safetensors(bad, "bad.safetensors");
    } catch (const IOError&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, static_cast<int>(n) / 2);
}

TEST(SafeTensors, RandomMutationsNeverCrash) {
  // 3000 files with 1-4 random bytes replaced or a random cut: each either
  // loads or throws IOError; what loads is self-consistent.
  const std::string full = encode_safetensors(every_dtype(), {{"k", "v"}});
  std::mt19937_64 rng(7);
  int loaded = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bad = full;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    if (trial % 5 == 0) bad.resize(rng() % bad.size());
    try {
      const SafeTensorsFile f = decode_safetensors(bad, "fuzz.safetensors");
      size_t total = 0;
      for (const auto& [name, t] : f.tensors) total += t.nbytes();
      uint64_t n = 0;
      std::memcpy(&n, bad.data(), 8);
      EXPECT_EQ(8 + n + total, bad.size());
      ++loaded;
    } catch (const IOError&) {
    }
  }
  EXPECT_GT(loaded, 0);  // data-only edits still load
}

TEST(SafeTensors, NamesMustBeUtf8) {
  const Tensor t = Tensor::from_vector<float>({1}, {1});
  EXPECT_THROW(encode_safetensors({{"bad\xff", t}}), ValueError);
  EXPECT_THROW(encode_safetensors({{"a", t}}, {{"k", "\xc3"}}), ValueError);
  const SafeTensorsFile f = decode_safetensors(encode_safetensors({{"größe", t}}), "utf8");
  EXPECT_EQ(f.tensors[0].first, "größe");
}

// A file with the given JSON header (padded) and `data_bytes` zero bytes of data.
std::string with_header(const std::string& json, size_t data_bytes) {
  std::string h = json;
  h.append((8 - h.size() % 8) % 8, ' ');
  const uint64_t n = h.size();
  std::string bytes(reinterpret_cast<const char*>(&n), 8);
  return bytes + h + std::string(data_bytes, '\0');
}

std::string decode_error(const std::string& json, size_t data_bytes) {
  return error_of<IOError>([&] { decode_safetensors(with_header(json, data_bytes), "x.safetensors"); });
}

TEST(SafeTensors, ValidationMessagesNameTheFileAndTensor) {
  std::string e = decode_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", 8);
  EXPECT_TRUE(contains(e, "x.safetensors: header is not valid JSON")) << e;
  e = decode_error(R"([1, 2])", 0);
  EXPECT_TRUE(contains(e, "header should be a JSON object")) << e;
  e = decode_error(R"({"a":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}})", 4);
  EXPECT_TRUE(contains(e, "x.safetensors: tensor 'a': unknown dtype \"I16\" (Tern reads BOOL, U8")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  EXPECT_TRUE(contains(e, "tensor 'a': data_offsets [0, 8] span 8 bytes, but shape [3] of F32 needs 12")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4);
  EXPECT_TRUE(contains(e, "tensor 'a': data_offsets [0, 8] go beyond the end of the data (4 bytes")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                   R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                   12);
  EXPECT_TRUE(contains(e, "tensors 'a' and 'b' overlap (data_offsets [0, 8] and [4, 12])")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  EXPECT_TRUE(contains(e, "tensor 'a' starts at data byte 4 but the bytes from 0 belong to no tensor")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8);
  EXPECT_TRUE(contains(e, "the tensors cover 4 data bytes but the file has 8")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
  EXPECT_TRUE(contains(e, "shape should hold non-negative integers")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4);
  EXPECT_TRUE(contains(e, "end before they begin")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[1]}})", 4);
  EXPECT_TRUE(contains(e, "needs \"dtype\", \"shape\" and \"data_offsets\"")) << e;
  e = decode_error(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", 4);
  EXPECT_TRUE(contains(e, "is too large")) << e;
  e = decode_error(R"({"__metadata__":{"k":1}})", 0);
  EXPECT_TRUE(contains(e, "__metadata__ value of 'k' should be a string")) << e;
  e = decode_error(R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", 0);
  EXPECT_TRUE(contains(e, "go beyond the end of the data")) << e;
  std::string bad_bool = with_header(R"({"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", 2);
  bad_bool.back() = 7;
  e = error_of<IOError>([&] { decode_safetensors(bad_bool, "x.safetensors"); });
  EXPECT_TRUE(contains(e, "tensor 'b': BOOL element 1 has byte value 7")) << e;
  // The header length itself.
  std::string huge = python_example();
  huge[5] = 1;
  e = error_of<IOError>([&] { decode_safetensors(huge, "x.safetensors"); });
  EXPECT_TRUE(contains(e, "x.safetensors: header length 1099511627832 goes beyond the end of the file (72 bytes)"))
      << e;
  e = error_of<IOError>([&] { decode_safetensors("abc", "x.safetensors"); });
  EXPECT_TRUE(contains(e, "x.safetensors: truncated: 3 bytes")) << e;
}

TEST(SafeTensors, MissingFileNamesThePath) {
  testing::TempDir dir;
  const std::string path = dir.file("nope.safetensors");
  const std::string e = error_of<IOError>([&] { load_safetensors(path); });
  EXPECT_TRUE(contains(e, path)) << e;
}

TEST(SafeTensors, RejectsBadTensorLists) {
  const Tensor t = Tensor::from_vector<float>({1}, {1});
  EXPECT_TRUE(contains(error_of<ValueError>([&] { encode_safetensors({{"a", t}, {"a", t}}); }), "appears twice"));
  EXPECT_TRUE(contains(error_of<ValueError>([&] { encode_safetensors({{"__metadata__", t}}); }), "reserved"));
  EXPECT_THROW(encode_safetensors({{"a", Tensor()}}), ValueError);
}

TEST(SafeTensors, AFailedWriteLeavesTheOldFileIntact) {
  testing::TempDir dir;
  const std::string path = dir.file("model.safetensors");
  const NamedTensors v1 = {{"w", Tensor::from_vector<float>({1, 2, 3}, {3})}};
  save_safetensors(path, v1);
  const std::string before = read_file(path);
  // The temporary file's name is taken by a directory, so the write fails.
  std::filesystem::create_directory(path + ".tmp." + std::to_string(::getpid()));
  const NamedTensors v2 = {{"w", Tensor::from_vector<float>({9, 9, 9, 9}, {4})}};
  EXPECT_THROW(save_safetensors(path, v2), IOError);
  EXPECT_EQ(read_file(path), before);
  EXPECT_TRUE(bit_equal(load_safetensors(path).tensors[0].second, v1[0].second));
  // A bad tensor list fails before anything is written.
  EXPECT_THROW(save_safetensors(path, {{"w", Tensor()}}), ValueError);
  EXPECT_EQ(read_file(path), before);
}

}  // namespace
}  // namespace tern::io
