// The IR verifier: every value is defined before it is used, each node's
// arity, dtypes and example shapes agree with its op's shape inference, and
// symbolic shapes agree with the example shapes.
#pragma once

#include <string>

#include "tern/graph/ir.h"

namespace tern::graph {

// The first problem found, or "" if the graph is well formed.
std::string verify_error(const Graph& g);
// Throws InternalError naming the problem (a malformed graph is our bug).
void verify(const Graph& g);

}  // namespace tern::graph
