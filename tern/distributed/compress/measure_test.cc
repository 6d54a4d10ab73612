// Gradient-dump sources and the measurement behind `tern bench codec`.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tern/base/error.h"
#include "tern/distributed/compress/f32_files.h"
#include "tern/distributed/compress/measure.h"

namespace tern::distributed::compress {
namespace {

namespace fs = std::filesystem;

void write_f32(const fs::path& p, const std::vector<float>& v) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(v.data()), 4 * v.size());
}

TEST(DumpNames, ParamAndStep) {
  EXPECT_EQ(dump_param_and_step("step12_conv1.weight.f32"), (std::pair<std::string, int64_t>{"conv1.weight", 12}));
  EXPECT_EQ(dump_param_and_step("step3_fc_b.f32").first, "fc_b");
  EXPECT_EQ(dump_param_and_step("weights.f32").second, -1);
  EXPECT_EQ(dump_param_and_step("stepx_a.f32").second, -1);
}

TEST(F32Source, DirectoryOfDumpsCarriesStatePerParameter) {
  const fs::path dir = fs::temp_directory_path() / ("tern_codec_dumps_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto a0 = gaussian_tensor(1000, 1), a1 = gaussian_tensor(1000, 2), b0 = gaussian_tensor(333, 3);
  write_f32(dir / "step10_a.f32", a1);  // written out of order on purpose
  write_f32(dir / "step2_a.f32", a0);
  write_f32(dir / "step2_b.f32", b0);
  std::ofstream(dir / "notes.txt") << "ignored";
  const auto src = read_f32_source(dir.string());
  ASSERT_EQ(src.size(), 3u);
  EXPECT_EQ(src[0].values.size() + src[1].values.size() + src[2].values.size(), 2333u);

  auto codec = make_codec("3lc");
  const auto m = measure_codec(*codec, src, 1);
  // The same bytes by hand: a's steps in order (2 then 10) share one state.
  CodecState sa, sb;
  std::vector<uint8_t> s;
  int64_t bytes = 0;
  codec->encode(a0, sa, s);
  bytes += s.size();
  codec->encode(a1, sa, s);
  bytes += s.size();
  codec->encode(b0, sb, s);
  bytes += s.size();
  EXPECT_EQ(m.encoded_bytes, bytes);
  EXPECT_EQ(m.elements, 2333);
  EXPECT_DOUBLE_EQ(m.ratio, 4.0 * 2333 / bytes);
  EXPECT_GT(m.encode_seconds, 0);

  write_f32(dir / "step3_bad.f32", {1.0f});
  std::ofstream(dir / "step3_bad.f32", std::ios::app) << "x";  // 5 bytes
  EXPECT_THROW(read_f32_source(dir.string()), ValueError);
  fs::remove_all(dir);
  EXPECT_THROW(read_f32_source(dir.string()), IOError);
}

}  // namespace
}  // namespace tern::distributed::compress
