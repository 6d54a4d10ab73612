// Codec state files: a round trip keeps every buffer and step; a missing or
// stale file leaves the state alone (a restart at zero); a corrupt one is an
// IOError.
#include "tern/distributed/ps/codec_state_file.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

#include "tern/base/error.h"
#include "tern/io/safetensors.h"

namespace tern::distributed::ps {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/tern_codec_state_" + std::to_string(::getpid()) + "_" + name;
}

std::vector<compress::CodecState> sample_states() {
  std::vector<compress::CodecState> s(3);
  s[0].error = {0.5f, -1.25f};
  s[0].step = 7;
  s[2].error = {3};
  s[2].aux = {1, 2, 3};
  s[2].step = 7;
  return s;
}

TEST(CodecStateFile, RoundTripKeepsBuffersStepsAndVelocities) {
  const std::string path = temp_path("roundtrip");
  save_codec_states(path, 4, sample_states(), {{}, {0.25f}, {}});
  std::vector<compress::CodecState> got(3);
  std::vector<std::vector<float>> velocities(3);
  ASSERT_TRUE(load_codec_states(path, 4, {2, 1, 1}, got, velocities));
  const auto want = sample_states();
  for (size_t t = 0; t < 3; ++t) {
    EXPECT_EQ(got[t].error, want[t].error) << t;
    EXPECT_EQ(got[t].aux, want[t].aux) << t;
    EXPECT_EQ(got[t].step, want[t].step) << t;
  }
  EXPECT_EQ(velocities, (std::vector<std::vector<float>>{{}, {0.25f}, {}}));
}

TEST(CodecStateFile, MissingOrStaleFileLeavesTheStateAlone) {
  std::vector<compress::CodecState> states(3);
  states[1].error = {9};
  std::vector<std::vector<float>> velocities(3);
  EXPECT_FALSE(load_codec_states(temp_path("absent"), 4, {2, 1, 1}, states, velocities));
  const std::string path = temp_path("stale");
  save_codec_states(path, 3, sample_states(), {});
  EXPECT_FALSE(load_codec_states(path, 4, {2, 1, 1}, states, velocities));  // another epoch
  std::vector<compress::CodecState> two(2);
  std::vector<std::vector<float>> two_velocities(2);
  EXPECT_FALSE(load_codec_states(path, 3, {2, 1}, two, two_velocities));  // another layout
  EXPECT_EQ(states[1].error, std::vector<float>{9});
}

TEST(CodecStateFile, UnexpectedTensorIsAnIoError) {
  const std::string path = temp_path("corrupt");
  io::save_safetensors(path, {{"state.9.error", Tensor::from_vector(std::vector<float>{1}, {1})}},
                       {{"tern.epoch", "1"}, {"tern.tensors", "3"}});
  std::vector<compress::CodecState> states(3);
  std::vector<std::vector<float>> velocities(3);
  EXPECT_THROW(load_codec_states(path, 1, {2, 1, 1}, states, velocities), IOError);
}

TEST(CodecStateFile, BufferOfAnotherSizeIsAnIoError) {
  const std::string path = temp_path("resized");
  save_codec_states(path, 2, sample_states(), {});
  std::vector<compress::CodecState> states(3);
  std::vector<std::vector<float>> velocities(3);
  EXPECT_THROW(load_codec_states(path, 2, {5, 1, 1}, states, velocities), IOError);  // tensor 0 saved with 2
}

}  // namespace
}  // namespace tern::distributed::ps
