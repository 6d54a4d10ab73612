// The ease.ml/ci condition language.
//
//   condition := clause ( "/\" clause )*
//   clause    := expr ( ">" | "<" ) number "+/-" number
//   expr      := ["-"] term ( ("+" | "-") term )*
//   term      := [number ["*"]] variable
//   variable  := "n" (new model's accuracy) | "o" (old model's accuracy)
//              | "d" (fraction of examples where the two models disagree)
//
// Example: "d < 0.1 +/- 0.01 /\ n - o > 0.02 +/- 0.01". The number after
// "+/-" is the clause's error tolerance epsilon; it must be positive.
// parse_condition throws tern::ValueError naming the column and what was
// expected on malformed input.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::mlci {

enum class Var : int { kNew = 0, kOld = 1, kDisagree = 2 };
inline constexpr int kNumVars = 3;
char var_name(Var v);

enum class Cmp { kGreater, kLess };

struct Clause {
  // Coefficient per variable (indexed by Var); 0 means the variable is absent.
  std::array<double, kNumVars> coef{0.0, 0.0, 0.0};
  Cmp cmp = Cmp::kGreater;
  double threshold = 0.0;
  double eps = 0.0;
  std::string text;  // the clause as written, trimmed

  // Number of variables with a non-zero coefficient (the paper's k).
  int num_vars() const;
  bool uses(Var v) const { return coef[static_cast<int>(v)] != 0.0; }
  // True when the clause only involves d: it needs no labels.
  bool label_free() const { return uses(Var::kDisagree) && num_vars() == 1; }
  // True when the clause is a*(n - o) for some a != 0 (the pattern for which
  // the variance-bounded estimate applies).
  bool is_difference() const;
  // sum_v coef[v] * value[v]
  double lhs(const std::array<double, kNumVars>& value) const;
};

struct Condition {
  std::vector<Clause> clauses;
  std::string text;
};

Condition parse_condition(std::string_view text);

}  // namespace tern::mlci
