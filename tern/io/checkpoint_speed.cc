// checkpoint_speed: times save_checkpoint and load_checkpoint + restore_model
// for a model of the given size (f32 tensors of 1 Mi elements each, plus
// momentum-sized optimiser state), and prints MB/s.
//   checkpoint_speed [megabytes=200] [path=/tmp/tern_checkpoint_speed.safetensors]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tern/io/checkpoint.h"
#include "tern/ops/ops.h"

using namespace tern;

int main(int argc, char** argv) {
  const int64_t mb = argc > 1 ? std::atoll(argv[1]) : 200;
  const std::string path = argc > 2 ? argv[2] : "/tmp/tern_checkpoint_speed.safetensors";
  const int64_t per = 1 << 20;  // elements per tensor (4 MiB)
  const int64_t count = std::max<int64_t>(1, mb / 8);  // model + same-size optimiser state
  io::NamedTensors model, optim;
  for (int64_t i = 0; i < count; ++i) {
    model.emplace_back("layer" + std::to_string(i) + ".weight", randn({per}));
    optim.emplace_back("layer" + std::to_string(i) + ".weight.momentum", randn({per}));
  }
  const double bytes = 2.0 * count * per * 4;
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };

  const auto t0 = now();
  io::save_checkpoint(path, model, optim, {.model = "speed", .optimizer = "sgd", .step = 1});
  const auto t1 = now();
  const io::Checkpoint ck = io::load_checkpoint(path);
  const auto t2 = now();
  io::restore_model(ck, model);
  const auto t3 = now();
  std::printf("%.0f MB: save %.3f s (%.0f MB/s), load %.3f s (%.0f MB/s), restore %.3f s\n", bytes / 1e6,
              secs(t0, t1), bytes / 1e6 / secs(t0, t1), secs(t1, t2), bytes / 1e6 / secs(t1, t2), secs(t2, t3));
  std::filesystem::remove(path);
  return 0;
}
