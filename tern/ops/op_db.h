// op_db: the table of every op with sample inputs and a call, shared by the
// tests that must cover every op (kernels vs reference, gradient checks, and
// staged vs eager in tern/graph). A new op without a row fails
// OpDb.CoversEveryOp.
#pragma once

#include <functional>
#include <set>
#include <vector>

#include "tern/ops/opdef.h"
#include "tern/ops/ops.h"

namespace tern::op_db {

using Inputs = std::vector<Tensor>;

struct OpCase {
  OpKind kind;
  std::function<Inputs(DType)> inputs;  // fresh inputs of the given float dtype
  std::function<Tensor(const Inputs&)> call;
  bool differentiable = true;
  std::set<int> no_grad_inputs = {};  // float inputs excluded from the gradient check
  double eps = 1e-6;                   // finite-difference step
};

// The rows (at least one per OpKind).
std::vector<OpCase> cases();

// The generator behind the rows' random inputs (tests may save and restore it).
Generator& generator();

}  // namespace tern::op_db
