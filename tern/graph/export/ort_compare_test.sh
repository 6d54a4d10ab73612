#!/usr/bin/env bash
# Numeric check of `tern export` against onnxruntime (npm's onnxruntime-node,
# found through NODE_PATH; not a Debian package, so this test skips with 77
# without it: `npm install --ignore-scripts onnxruntime-node` and set NODE_PATH
# to its node_modules). Every zoo model is traced at batch 2, run at batch 3
# with random running statistics, and must match Tern within 1e-4 relative.
#   ort_compare_test.sh TERN_BINARY [MODEL...]
set -euo pipefail
tern=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
if ! node -e "require('onnxruntime-node')" 2>/dev/null; then
  echo "onnxruntime-node not found through NODE_PATH: skipped"
  exit 77
fi
models=("$@")
# The whole zoo (onnx_export_test checks that this list is the zoo's).
[[ ${#models[@]} -gt 0 ]] || models=(softmax mlp lenet300 lenet5 resnet20 resnet32 resnet56 resnet110 densenet mobilenetv2
                                     lstm-lm resnet18 resnet50 vgg19)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for m in "${models[@]}"; do
  "$tern" export --model "$m" --format onnx --out "$dir/$m.onnx" --example "$dir/$m" --random-buffers >/dev/null
  node "$here/ort_compare.js" "$dir/$m.onnx" "$dir/$m"
done
