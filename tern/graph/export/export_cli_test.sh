#!/usr/bin/env bash
# `tern export`: writes a model that python3-onnx loads and checks (when
# installed), and rejects bad input with one line and exit code 2.
#   export_cli_test.sh TERN_BINARY
set -euo pipefail
tern=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

out=$("$tern" export --model mlp --format onnx --out "$dir/mlp.onnx")
[[ $out == *"checker ok"* ]] || { echo "unexpected output: $out"; exit 1; }
[[ -s "$dir/mlp.onnx" && ! -e "$dir/mlp.onnx.tmp" ]]
if /usr/bin/python3 -c "import onnx" 2>/dev/null; then
  /usr/bin/python3 - "$dir/mlp.onnx" <<'PY'
import sys, onnx
m = onnx.load(sys.argv[1])
onnx.checker.check_model(m, full_check=True)
assert m.opset_import[0].version == 13, m.opset_import
assert m.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
assert {i.name for i in m.graph.initializer} >= {"fc1.weight", "fc1.bias"}, [i.name for i in m.graph.initializer]
PY
fi

expect_error() {  # expect_error PATTERN ARGS...: exit 2, one line naming PATTERN
  local pattern=$1; shift
  set +e; out=$("$tern" "$@" 2>&1); rc=$?; set -e
  [[ $rc == 2 ]] || { echo "expected exit 2 from tern $*, got $rc: $out"; exit 1; }
  [[ $(wc -l <<<"$out") == 1 && $out == *"$pattern"* ]] || { echo "unexpected message from tern $*: $out"; exit 1; }
}
expect_error "resnet9000" export --model resnet9000 --out "$dir/x.onnx"
expect_error "tflite" export --model mlp --format tflite --out "$dir/x.onnx"
expect_error "cannot write" export --model mlp --out "$dir/missing/dir/x.onnx"
echo "export cli: ok"
