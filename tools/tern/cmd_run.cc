// `tern run --model NAME --weights FILE --input x.npy --output y.npy`: a zoo
// model with weights from a file (a Tern checkpoint or a PyTorch state dict)
// on a NumPy batch of images; writes the logits (tern/train/infer.h).
// `tern run model.onnx --input x.npy --output y.npy`: an ONNX model instead
// (tern/graph/import/onnx_run.h).
#include <cstdio>
#include <memory>

#include "tern/graph/import/onnx_run.h"
#include "tern/train/infer.h"
#include "tern/base/parallel.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

void setup(CLI::App& root) {
  auto o = std::make_shared<train::InferOptions>();
  auto onnx = std::make_shared<graph::OnnxRunOptions>();
  auto* cmd = root.add_subcommand(
      "run", "Run a model on .npy arrays: an ONNX file, or a zoo model with weights from a file");
  cmd->add_option("onnx", onnx->model, "an ONNX model to run (instead of --model and --weights)");
  cmd->add_option("--model", o->model, "zoo model name (see tern models)");
  cmd->add_option("--weights", o->weights,
                  "with --model: a checkpoint from tern train, or a PyTorch state dict in safetensors (torchvision "
                  "names accepted)");
  cmd->add_option("--input", onnx->inputs, "input .npy: float32 images [N, C, H, H] for --model; one per ONNX input")
      ->required();
  cmd->add_option("--output", onnx->outputs, ".npy to write (float32 [N, classes] for --model); one per ONNX output")
      ->required();
  cmd->add_option("--num-classes", o->num_classes, "with --model: classifier outputs (default: the zoo model's)");
  cmd->add_flag("--probabilities", o->probabilities, "with --model: write softmax probabilities instead of logits");
  cmd->add_option("--batch-size", o->batch_size, "with --model: examples per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "CPU threads (0: all cores)")->capture_default_str();
  cmd->callback([o, onnx] {
    if (!onnx->model.empty()) {
      TERN_CHECK(o->model.empty() && o->weights.empty(), "tern run: give an ONNX file or --model with --weights, not both");
      if (o->threads != 0) set_num_threads(o->threads);
      const graph::OnnxRunResult r = graph::run_onnx_file(*onnx);
      std::printf("%s (onnx opset %lld, %zu nodes) in %.3f s:", onnx->model.c_str(), static_cast<long long>(r.opset),
                  r.nodes, r.seconds);
      for (size_t i = 0; i < r.output_names.size(); ++i)
        std::printf(" %s %s -> %s", r.output_names[i].c_str(), shape_str(r.output_shapes[i]).c_str(),
                    onnx->outputs[i].c_str());
      std::printf("\n");
      return;
    }
    TERN_CHECK(!o->model.empty() && !o->weights.empty(), "tern run: give an ONNX file, or --model and --weights");
    TERN_CHECK(onnx->inputs.size() == 1 && onnx->outputs.size() == 1,
               "tern run --model: expected one --input and one --output");
    o->input = onnx->inputs[0];
    o->output = onnx->outputs[0];
    const train::InferResult r = train::infer(*o);
    std::printf("%s (%s, %lld tensors): %s -> %s %s in %.3f s\n", o->model.c_str(), r.weights.kind.c_str(),
                static_cast<long long>(r.weights.loaded), shape_str(r.input_shape).c_str(), o->output.c_str(),
                shape_str(r.output_shape).c_str(), r.seconds);
  });
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
