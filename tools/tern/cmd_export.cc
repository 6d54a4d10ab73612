// `tern export --model NAME --format onnx --out FILE`: a zoo model's staged
// inference graph (batch dim symbolic) as an ONNX model, checked by onnx's
// own checker before it is written.
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "tern/autograd/grad_mode.h"
#include "tern/graph/export/onnx_export.h"
#include "tern/graph/export/zoo_graph.h"
#include "tern/ops/ops.h"
#include "tools/tern/command.h"

namespace tern::cli {
namespace {

// Raw little-endian contents of t, for an outside runtime to compare with.
void write_raw(const std::string& path, const Tensor& t) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  TERN_CHECK(out.good(), "export: cannot write ", path);
  out.write(static_cast<const char*>(t.raw_data()), static_cast<std::streamsize>(t.nbytes()));
}

void setup(CLI::App& root) {
  struct Flags {
    std::string model, format = "onnx", out, example;
    int64_t batch = 2, example_batch = 3;
    bool random_buffers = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = root.add_subcommand("export", "Export a zoo model's staged graph (ONNX, opset 13, symbolic batch dim)");
  cmd->add_option("--model", f->model, "zoo model name (see tern models)")->required();
  cmd->add_option("--format", f->format, "output format")->check(CLI::IsMember({"onnx"}))->capture_default_str();
  cmd->add_option("--out", f->out, "output file")->required();
  cmd->add_option("--batch", f->batch, "batch size the graph is traced at (any size runs)")->capture_default_str();
  cmd->add_option("--example", f->example,
                  "also write PREFIX.json, PREFIX.input.bin and PREFIX.output.bin: the traced input and "
                  "Tern's output, to compare another runtime with");
  cmd->add_option("--example-batch", f->example_batch, "batch size of the --example input")->capture_default_str();
  cmd->add_flag("--random-buffers", f->random_buffers,
                "fill running statistics with random values first (tests the batch-norm mapping)");
  cmd->callback([f] {
    TERN_CHECK(f->batch >= 1, "export: --batch must be >= 1, got ", f->batch);
    TERN_CHECK(f->example_batch >= 1, "export: --example-batch must be >= 1, got ", f->example_batch);
    const graph::ZooGraph z = graph::stage_zoo_model(f->model, f->batch, 1, f->random_buffers);
    graph::OnnxOptions options;
    options.graph_name = f->model;
    options.input_names = {nn::find_model(f->model).image_model ? "images" : "tokens"};
    options.output_names = {"logits"};
    options.symbol_names = {"batch"};
    options.tensor_names = z.tensor_names;
    const std::string bytes = graph::to_onnx(*z.graph, options);
    const std::string problem = graph::check_onnx(bytes);
    TERN_CHECK(problem.empty(), "export: onnx checker rejected the ", f->model, " export: ", problem);
    graph::save_onnx(bytes, f->out);
    if (!f->example.empty()) {
      // At another batch size than the trace: the exported batch dim is symbolic.
      NoGradGuard no_grad;
      const Tensor x = graph::zoo_input(nn::find_model(f->model), f->example_batch);
      const Tensor y = contiguous((*z.model)(x));
      write_raw(f->example + ".input.bin", x);
      write_raw(f->example + ".output.bin", y);
      std::ofstream meta(f->example + ".json");
      meta << nlohmann::json({{"input", options.input_names[0]},
                              {"input_dtype", dtype_name(x.dtype())},
                              {"input_shape", std::vector<int64_t>(x.shape().begin(), x.shape().end())},
                              {"output", options.output_names[0]},
                              {"output_shape", std::vector<int64_t>(y.shape().begin(), y.shape().end())}})
                  .dump()
           << "\n";
    }
    std::printf("%s: %zu nodes -> %s (%zu bytes, onnx opset %lld, checker ok)\n", f->model.c_str(),
                z.graph->nodes().size(), f->out.c_str(), bytes.size(), static_cast<long long>(graph::kOnnxOpset));
  });
}

}  // namespace
TERN_CLI_COMMAND(setup);
}  // namespace tern::cli
