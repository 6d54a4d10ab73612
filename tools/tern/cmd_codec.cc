// `tern codec encode|decode|list` and `tern bench codec`: gradient codecs
// from tern/distributed/compress. File format of encode's output and decode's
// input: [u64 little-endian element count][codec stream].
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tern/base/error.h"
#include "tern/base/parallel.h"
#include "tern/distributed/compress/codec.h"
#include "tern/distributed/compress/f32_files.h"
#include "tern/distributed/compress/measure.h"
#include "tern/distributed/compress/threelc_kernels.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

namespace cz = tern::distributed::compress;

struct CodecFlags {
  std::string codec = "3lc";
  double sparsity = 0;  // 0: not given
  std::vector<std::string> args;
  std::string isa = "auto";

  std::unique_ptr<cz::Codec> make() const {
    cz::CodecArgs a;
    for (const auto& kv : args) a.add(kv);
    if (sparsity != 0) {
      TERN_CHECK(codec == "3lc", "--sparsity is 3lc's s; for codec '", codec, "' use --arg k=v");
      a.set("s", std::to_string(sparsity));
    }
    if (isa == "auto") {
      cz::threelc::unforce_isa();
    } else {
      cz::threelc::force_isa(cz::threelc::parse_isa(isa.c_str()));
    }
    return cz::make_codec(codec, a);
  }
};

void add_codec_flags(CLI::App* cmd, CodecFlags& f) {
  cmd->add_option("--codec", f.codec, "codec name (tern codec list)")->capture_default_str();
  cmd->add_option("--sparsity", f.sparsity, "3lc sparsity multiplier s in [1, 2) (default 1.0)");
  cmd->add_option("--arg", f.args, "codec argument k=v (repeatable), e.g. --arg zero_run=0");
  cmd->add_option("--isa", f.isa, "3lc kernels: auto, scalar, avx2 or avx512")->capture_default_str();
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      return colon == std::string::npos ? line : line.substr(colon + 2);
    }
  return "unknown";
}

void encode_file(const CodecFlags& f, const std::string& in, const std::string& out) {
  const auto codec = f.make();
  const auto x = cz::read_f32_file(in);
  cz::CodecState state;
  cz::EncodedFile file;
  file.count = x.size();
  codec->encode(x, state, file.stream);
  cz::write_encoded_file(out, file);
  const double bytes = 8.0 + file.stream.size();
  std::printf("%s: %llu elements, %zu -> %.0f bytes (%.2fx) with %s\n", out.c_str(),
              static_cast<unsigned long long>(file.count), 4 * x.size(), bytes, 4.0 * x.size() / bytes,
              codec->describe().c_str());
}

void decode_file(const CodecFlags& f, const std::string& in, const std::string& out) {
  const auto codec = f.make();
  const cz::EncodedFile file = cz::read_encoded_file(in);
  std::vector<float> x(file.count);
  codec->decode(file.stream, x);
  cz::write_f32_file(out, x);
  std::printf("%s: %llu elements decoded with %s\n", out.c_str(), static_cast<unsigned long long>(file.count),
              codec->describe().c_str());
}

struct BenchFlags {
  CodecFlags codec;
  int64_t size = int64_t{1} << 24;
  int threads = 1;
  std::string source = "gaussian";
  int reps = 5;
  int steps = 1;
  bool json = false;
};

void bench_codec(const BenchFlags& f) {
  TERN_CHECK(f.threads >= 0, "--threads must be >= 0 (0: all cores), given ", f.threads);
  set_num_threads(f.threads);
  const auto codec = f.codec.make();
  const std::vector<cz::NamedTensor> tensors =
      f.source == "gaussian" ? cz::gaussian_steps(f.size, f.steps) : cz::read_f32_source(f.source);
  const auto m = cz::measure_codec(*codec, tensors, f.reps);
  const char* isa = cz::threelc::isa_name(cz::threelc::active_isa());
  if (f.json) {
    nlohmann::json j = {{"codec", codec->describe()}, {"source", f.source},       {"tensors", m.tensors},
                        {"elements", m.elements},     {"encoded_bytes", m.encoded_bytes},
                        {"ratio", m.ratio},           {"encode_gbps", m.encode_gbps()},
                        {"decode_gbps", m.decode_gbps()}, {"encode_cpu_gbps", m.encode_cpu_gbps()},
                        {"decode_cpu_gbps", m.decode_cpu_gbps()}, {"threads", num_threads()},
                        {"reps", f.reps}, {"steps", f.steps},             {"isa_3lc", isa},       {"cpu", cpu_model()}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("codec    %s\nsource   %s (%lld tensor%s, %lld elements)\nratio    %.2fx (%lld -> %lld bytes)\n"
              "encode   %.3f GB/s (%.3f GB/s of CPU time)\ndecode   %.3f GB/s (%.3f GB/s of CPU time)\n"
              "(float32 input; median of %d; %d thread%s; 3lc path %s; %s)\n",
              codec->describe().c_str(), f.source.c_str(), static_cast<long long>(m.tensors),
              m.tensors == 1 ? "" : "s", static_cast<long long>(m.elements), m.ratio,
              static_cast<long long>(4 * m.elements), static_cast<long long>(m.encoded_bytes), m.encode_gbps(),
              m.encode_cpu_gbps(), m.decode_gbps(), m.decode_cpu_gbps(), f.reps, num_threads(), num_threads() == 1 ? "" : "s", isa, cpu_model().c_str());
}

void setup(CLI::App& root) {
  auto* codec = root.add_subcommand("codec", "Gradient codecs (3LC and baselines): encode, decode, list");
  codec->require_subcommand(1);
  {
    auto* cmd = codec->add_subcommand("encode", "Encode raw little-endian float32 into [u64 count][stream]");
    auto f = std::make_shared<CodecFlags>();
    auto in = std::make_shared<std::string>(), out = std::make_shared<std::string>();
    add_codec_flags(cmd, *f);
    cmd->add_option("--in", *in, "raw float32 input file")->required();
    cmd->add_option("--out", *out, "output file")->required();
    cmd->callback([f, in, out] { encode_file(*f, *in, *out); });
  }
  {
    auto* cmd = codec->add_subcommand("decode", "Decode [u64 count][stream] back into raw float32");
    auto f = std::make_shared<CodecFlags>();
    auto in = std::make_shared<std::string>(), out = std::make_shared<std::string>();
    add_codec_flags(cmd, *f);
    cmd->add_option("--in", *in, "encoded input file")->required();
    cmd->add_option("--out", *out, "raw float32 output file")->required();
    cmd->callback([f, in, out] { decode_file(*f, *in, *out); });
  }
  codec->add_subcommand("list", "List the codecs and their arguments")->callback([] {
    for (const auto& c : cz::codec_registry()) std::printf("%-9s %s\n", c.name.c_str(), c.help.c_str());
    std::printf("\ntern train --dist ps takes every codec; --dist allreduce only none, fp16 and powersgd,\n"
                "whose values or low-rank factors can be summed inside an all-reduce.\n");
  });

  // `tern bench` is shared with other modules (the core's `bench train`):
  // shared_group reuses the parent if another file registered it first, else
  // creates it, so registration order between files does not matter.
  CLI::App* bench = shared_group(root, "bench", "Benchmarks");
  {
    auto* cmd = bench->add_subcommand("codec", "Codec ratio and encode/decode GB/s of float32 input");
    auto f = std::make_shared<BenchFlags>();
    add_codec_flags(cmd, f->codec);
    cmd->add_option("--size", f->size, "elements of the gaussian source")->capture_default_str();
    cmd->add_option("--threads", f->threads, "threads (0: all cores)")->capture_default_str();
    cmd->add_option("--source", f->source, "gaussian, a raw float32 FILE, or a DIR of *.f32 (gradient dumps)")
        ->capture_default_str();
    cmd->add_option("--steps", f->steps, "gaussian source: independent steps, error feedback carried over")
        ->capture_default_str();
    cmd->add_option("--reps", f->reps, "timed repetitions (median reported)")->capture_default_str();
    cmd->add_flag("--json", f->json, "print one JSON object");
    cmd->callback([f] { bench_codec(*f); });
  }
}

TERN_CLI_COMMAND(setup);

}  // namespace
}  // namespace tern::cli
