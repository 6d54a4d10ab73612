// The staged-graph IR: a Graph is a list of Nodes in program order (which is
// also the executor's schedule); each Node is one op call (OpKind + Attrs)
// from input Values to output Values. A Value is a graph input, a node's
// output, or a captured tensor held by reference (a parameter, a buffer, or
// a constant made inside the traced function).
//
// Shapes may hold symbolic dims (-1). A node's attribute ints that depend on
// symbolic dims (reshape targets, expand shapes, ...) are stored as affine
// forms of the symbols (SymInt) and re-evaluated for every call.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tern/ops/opdef.h"

namespace tern::graph {

enum class ValueKind : uint8_t { input, node_output, capture };

struct Value {
  int id = -1;
  ValueKind kind = ValueKind::node_output;
  DType dtype = DType::f32;
  Shape shape;    // -1 where the dim is symbolic
  Shape example;  // the concrete shape seen when tracing
  int node = -1;         // node_output: the producing node's id
  int output_nr = 0;     // node_output: which output of that node
  int input_index = -1;  // input: position in the argument list
  Tensor captured;       // capture: the tensor itself (by reference)
  // capture: nothing outside the graph holds the tensor, so its contents
  // cannot change between calls (safe to fold). Parameters are not constant.
  bool constant = false;
};

// attrs.ints[index] = offset + sum_j coeffs[j] * symbol[j].
struct SymInt {
  int index = 0;
  int64_t offset = 0;
  std::vector<int64_t> coeffs;
  bool operator==(const SymInt&) const = default;
};

struct Node {
  int id = -1;
  OpKind kind = OpKind::kCount;
  Attrs attrs;                  // as traced (ints at the example shapes)
  std::vector<SymInt> sym_ints;  // ints that depend on symbolic dims
  std::vector<int> inputs;       // value ids; -1 = no tensor (e.g. absent bias)
  std::vector<int> outputs;      // value ids
  uint32_t detached = 0;         // bit i: input i is read through detach() (no gradient)
  // Random op traced on the default generator: draws a fresh offset from it
  // on every call, as the eager op would.
  bool fresh_random = false;
};

// The random family of ops.def (rand, randn, dropout): never merged, folded
// or assumed repeatable.
bool is_random(OpKind kind);
// Random or mutating its inputs (batch norm's running statistics): never
// merged, and mutating ones are never removed.
bool has_side_effects(OpKind kind);

class Graph {
 public:
  int add_input(DType dtype, const Shape& shape, const Shape& example);
  int add_capture(const Tensor& t, bool constant);
  // Appends a node with one output value per entry of `metas` (their shapes
  // are the example shapes; symbolic dims are marked later).
  int add_node(OpKind kind, const Attrs& attrs, std::vector<int> inputs, const std::vector<TensorMeta>& metas);
  void set_outputs(std::vector<int> outputs) { outputs_ = std::move(outputs); }
  // Output k is returned through detach() (no gradient flows back).
  void set_detached_outputs(std::vector<bool> d) { detached_outputs_ = std::move(d); }
  bool output_detached(size_t k) const { return k < detached_outputs_.size() && detached_outputs_[k]; }

  const std::vector<Value>& values() const { return values_; }
  std::vector<Value>& values() { return values_; }
  const Value& value(int id) const { return values_.at(static_cast<size_t>(id)); }
  Value& value(int id) { return values_.at(static_cast<size_t>(id)); }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<int>& inputs() const { return inputs_; }
  const std::vector<int>& outputs() const { return outputs_; }
  std::vector<int>& outputs() { return outputs_; }

  // Symbolic dims: how many, and their values when traced.
  int num_symbols() const { return static_cast<int>(symbol_examples_.size()); }
  const std::vector<int64_t>& symbol_examples() const { return symbol_examples_; }
  void set_symbol_examples(std::vector<int64_t> v) { symbol_examples_ = std::move(v); }
  // Which symbol each graph input dim is: input_symbols()[i][d] = j for
  // symbolic dim s_j, -1 for a fixed dim (empty: not recorded). Exporters
  // read a symbol's value from the first input dim that carries it.
  const std::vector<std::vector<int>>& input_symbols() const { return input_symbols_; }
  void set_input_symbols(std::vector<std::vector<int>> v) { input_symbols_ = std::move(v); }

  // Every use of value `from` (node inputs and graph outputs) now reads `to`.
  void replace_uses(int from, int to);
  // Removes the nodes whose flag is set (indexed by position in nodes()).
  // Their output values stay in values() but are no longer defined.
  void erase_nodes(const std::vector<bool>& remove);
  // Turns a node output into a constant capture holding `t` (folding).
  void make_constant(int value_id, const Tensor& t);

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<int> inputs_;
  std::vector<int> outputs_;
  std::vector<bool> detached_outputs_;
  std::vector<int64_t> symbol_examples_;
  std::vector<std::vector<int>> input_symbols_;
  int next_node_id_ = 0;
};

// The attrs of `node` for the given symbol values.
Attrs resolve_attrs(const Node& node, const std::vector<int64_t>& symbols);

}  // namespace tern::graph
