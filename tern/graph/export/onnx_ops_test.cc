// Every op exports to ONNX, or is listed below with the reason it cannot: a
// new op in neither fails. Each op's graph is its op_db row
// (tern/ops/op_db.h) traced, exported and passed through onnx's checker and
// shape inference (check_onnx); the ONNX op names come from ops.def.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "tern/autograd/grad_mode.h"
#include "tern/graph/export/onnx_export.h"
#include "tern/graph/function.h"
#include "tern/ops/op_db.h"
#include "tern/ops/ops.h"

namespace tern::graph {
namespace {

using op_db::Inputs;
using op_db::OpCase;

// The ops with no ONNX export, and why. (Gradient ops appear only in
// training graphs, which ONNX inference does not run; relu_grad, a plain
// Where, exports all the same.)
const std::map<OpKind, std::string>& not_exportable() {
  static const std::map<OpKind, std::string> m = {
      {OpKind::scatter_add, "ScatterElements adds only from opset 16"},
      {OpKind::index_add, "no ONNX op adds rows at indices"},
      {OpKind::conv2d_grad_input, "a gradient op"},
      {OpKind::conv2d_grad_weight, "a gradient op"},
      {OpKind::max_pool2d_grad, "a gradient op"},
      {OpKind::avg_pool2d_grad, "a gradient op"},
      {OpKind::batch_norm_grad, "a gradient op"},
      {OpKind::layer_norm_grad, "a gradient op"},
      {OpKind::cross_entropy_grad, "a gradient op"},
  };
  return m;
}

// The row's call, except where the row uses the op in a mode ONNX has no op
// for: batch norm's row is in training mode; inference exports eval mode.
std::function<Tensor(const Inputs&)> exported_call(const OpCase& c) {
  if (c.kind == OpKind::batch_norm)
    return [](const Inputs& in) { return batch_norm(in[0], in[1], in[2], zeros({3}), ones({3}), false); };
  return c.call;
}

TEST(OnnxOps, EveryOpExportsOrIsListed) {
  NoGradGuard no_grad;
  const std::map<OpKind, std::string>& refused = not_exportable();
  std::set<OpKind> covered;
  for (const OpCase& c : op_db::cases()) {
    covered.insert(c.kind);
    const Inputs in = c.inputs(DType::f32);
    const auto call = exported_call(c);
    // Not optimised: constant folding would fold the creation ops away.
    auto f = function([&](const Inputs& a) { return Inputs{call(a)}; }, FunctionOptions{op_name(c.kind), false});
    f(in);
    const Graph& g = *f.last_graph();
    bool has_op = false;
    for (const Node& n : g.nodes()) has_op = has_op || n.kind == c.kind;
    ASSERT_TRUE(has_op) << op_name(c.kind) << ": its op_db row traced to a graph without it";
    const auto it = refused.find(c.kind);
    if (it != refused.end()) {
      EXPECT_STREQ(op_traits(c.kind).onnx, "") << op_name(c.kind) << " is listed as not exportable but has an ONNX op";
      try {
        to_onnx(g);
        ADD_FAILURE() << op_name(c.kind) << " exported; remove it from the list (" << it->second << ")";
      } catch (const NotImplementedError& e) {
        EXPECT_NE(std::string(e.what()).find(str_cat("op ", op_name(c.kind))), std::string::npos) << e.what();
      }
      continue;
    }
    std::string bytes;
    try {
      bytes = to_onnx(g);
    } catch (const NotImplementedError& e) {
      ADD_FAILURE() << op_name(c.kind) << " does not export (add a lowering or list it): " << e.what();
      continue;
    }
    EXPECT_EQ(check_onnx(bytes), "") << op_name(c.kind);
  }
  for (int k = 0; k < kNumOps; ++k) EXPECT_TRUE(covered.count(static_cast<OpKind>(k))) << op_name(static_cast<OpKind>(k));
}

}  // namespace
}  // namespace tern::graph
