// `tern export --model NAME --format onnx --out FILE`: a zoo model's staged
// inference graph (batch dim symbolic) as an ONNX model, checked by onnx's
// own checker before it is written (tern/graph/export/zoo_graph.h).
#include <cstdio>
#include <memory>

#include "tern/graph/export/onnx_export.h"
#include "tern/graph/export/zoo_graph.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

void setup(CLI::App& root) {
  auto f = std::make_shared<graph::ZooExportOptions>();
  auto format = std::make_shared<std::string>("onnx");
  auto* cmd = root.add_subcommand("export", "Export a zoo model's staged graph (ONNX, opset 13, symbolic batch dim)");
  cmd->add_option("--model", f->model, "zoo model name (see tern models)")->required();
  cmd->add_option("--format", *format, "output format")->check(CLI::IsMember({"onnx"}))->capture_default_str();
  cmd->add_option("--out", f->out, "output file")->required();
  cmd->add_option("--checkpoint", f->checkpoint,
                  "export these trained weights (a checkpoint from tern train, or a PyTorch state dict in "
                  "safetensors); default: freshly initialised ones");
  cmd->add_option("--batch", f->batch, "batch size the graph is traced at (any size runs)")->capture_default_str();
  cmd->add_option("--example", f->example,
                  "also write PREFIX.json, PREFIX.input.bin and PREFIX.output.bin: the traced input and "
                  "Tern's output, to compare another runtime with");
  cmd->add_option("--example-batch", f->example_batch, "batch size of the --example input")->capture_default_str();
  cmd->add_flag("--random-buffers", f->random_buffers,
                "fill running statistics with random values first (tests the batch-norm mapping)");
  // The callback owns every option's storage: CLI11 writes into it after setup returns.
  cmd->callback([f, format] {
    const graph::ZooExportReport r = graph::export_zoo_onnx(*f);
    std::printf("%s: %zu nodes -> %s (%zu bytes, onnx opset %lld, checker ok)\n", f->model.c_str(), r.nodes,
                f->out.c_str(), r.bytes, static_cast<long long>(graph::kOnnxOpset));
  });
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
