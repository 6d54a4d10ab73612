// Schema-driven example generation (the paper's "model unit testing"):
// rows that conform to the schema, led by edge cases (domain bounds, zero,
// -0.0, denormals, the largest values, NaN and inf unless disallowed, empty
// and unusual strings, missing values where presence allows), so training
// code meets the inputs it claims to accept before production does.
#pragma once

#include <cstdint>
#include <string>

#include "tern/dv/schema.h"

namespace tern::dv {

struct FuzzOptions {
  int64_t n = 100;      // rows to generate (edge-case rows first)
  uint64_t seed = 1;    // Philox seed: same seed, same rows
  char delimiter = ',';
};

// Returns the CSV text: a header, then `n` rows.
std::string fuzz_csv(const Schema& schema, const FuzzOptions& options = {});

}  // namespace tern::dv
