// `tern run --model NAME --weights FILE --input x.npy --output y.npy`: a zoo
// model with weights from a file (a Tern checkpoint or a PyTorch state dict)
// on a NumPy batch of images; writes the logits (tern/train/infer.h).
#include <cstdio>
#include <memory>

#include "tern/train/infer.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

void setup(CLI::App& root) {
  auto o = std::make_shared<train::InferOptions>();
  auto* cmd = root.add_subcommand("run", "Run a zoo model with given weights on a .npy batch of images");
  cmd->add_option("--model", o->model, "zoo model name (see tern models)")->required();
  cmd->add_option("--weights", o->weights,
                  "a checkpoint from tern train, or a PyTorch state dict in safetensors (torchvision names accepted)")
      ->required();
  cmd->add_option("--input", o->input, "float32 .npy of images [N, C, H, H]")->required();
  cmd->add_option("--output", o->output, ".npy to write: float32 [N, classes]")->required();
  cmd->add_option("--num-classes", o->num_classes, "classifier outputs (default: the zoo model's)");
  cmd->add_flag("--probabilities", o->probabilities, "write softmax probabilities instead of logits");
  cmd->add_option("--batch-size", o->batch_size, "examples per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->callback([o] {
    const train::InferResult r = train::infer(*o);
    std::printf("%s (%s, %lld tensors): %s -> %s %s in %.3f s\n", o->model.c_str(), r.weights.kind.c_str(),
                static_cast<long long>(r.weights.loaded), shape_str(r.input_shape).c_str(), o->output.c_str(),
                shape_str(r.output_shape).c_str(), r.seconds);
  });
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
