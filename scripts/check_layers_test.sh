#!/usr/bin/env bash
# check_layers.py must catch what it promises to: an include and a CMake link
# going up a layer, and a peer using a peer. Runs on small made-up trees.
#   check_layers_test.sh REPO_ROOT
set -u
root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
tree() {  # a fresh tree with the real layer map
  rm -rf "$tmp/t" && mkdir -p "$tmp/t/docs" "$tmp/t/tern/base" "$tmp/t/tern/core" "$tmp/t/tern/mlci" "$tmp/t/tern/dv"
  cp "$root/docs/architecture.md" "$tmp/t/docs/"
}
expect() {  # expect RC what
  python3 "$root/scripts/check_layers.py" "$tmp/t" >"$tmp/out" 2>&1
  local rc=$?
  if [[ $rc -ne $1 ]]; then echo "FAIL ($2): rc $rc"; cat "$tmp/out"; failures=$((failures + 1)); fi
}
tree
echo '#include "tern/base/error.h"' >"$tmp/t/tern/core/a.h"
expect 0 "core includes base"
tree
echo '#include "tern/core/tensor.h"' >"$tmp/t/tern/base/a.h"
expect 1 "base includes core"
tree
printf 'add_library(tern_base a.cc)\ntarget_link_libraries(tern_base PUBLIC tern_core)\n' >"$tmp/t/tern/base/CMakeLists.txt"
printf 'add_library(tern_core b.cc)\n' >"$tmp/t/tern/core/CMakeLists.txt"
expect 1 "base links core"
tree
echo '#include "tern/dv/schema.h"' >"$tmp/t/tern/mlci/a.cc"
expect 1 "a system includes a peer system"
echo "check_layers_test: $failures failure(s)"
[[ $failures -eq 0 ]]
