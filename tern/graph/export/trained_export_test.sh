#!/usr/bin/env bash
# `tern export --checkpoint`: a LeNet-5 trained by `tern train` goes into the
# ONNX file with its trained weights. Checked twice, independently of Tern:
# every ONNX initializer equals the checkpoint's tensor of the same name (read
# with Python's onnx package and a few lines of safetensors parsing), and
# onnxruntime (npm onnxruntime-node via NODE_PATH; skipped with 77 without it)
# gives Tern's logits within 1e-4 and the same predicted classes.
#   trained_export_test.sh TERN_BINARY
set -euo pipefail
tern=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$tern" train --model lenet5 --dataset synthetic --synthetic-size 1200 --epochs 1 --threads 2 \
  --checkpoint "$dir/lenet5.safetensors" --json >"$dir/train.json"
"$tern" export --model lenet5 --checkpoint "$dir/lenet5.safetensors" --out "$dir/lenet5.onnx" \
  --example "$dir/ex" --example-batch 16 >/dev/null
if ! "$tern" export --model lenet5 --checkpoint "$dir/lenet5.safetensors" --random-buffers --out "$dir/x.onnx" \
     2>"$dir/err"; then
  grep -q "random-buffers" "$dir/err"
else
  echo "--random-buffers with --checkpoint was accepted"; exit 1
fi

/usr/bin/python3 - "$dir/lenet5.safetensors" "$dir/lenet5.onnx" <<'PY'
import json, struct, sys
import numpy as np
import onnx
from onnx import numpy_helper
ck, model = sys.argv[1], sys.argv[2]
raw = open(ck, "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
body = raw[8 + n:]
tensors = {}
for name, h in header.items():
    if name == "__metadata__" or not name.startswith("model."):
        continue
    a, b = h["data_offsets"]
    assert h["dtype"] == "F32", h
    tensors[name[len("model."):]] = np.frombuffer(body[a:b], dtype="<f4").reshape(h["shape"])
inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(model).graph.initializer}
matched = 0
for name, t in tensors.items():
    assert name in inits, f"{name} is not an initializer of the ONNX file (it has {sorted(inits)})"
    assert inits[name].shape == t.shape and np.array_equal(inits[name], t), f"{name} differs from the checkpoint"
    matched += 1
assert matched >= 10, matched
print(f"lenet5.onnx: all {matched} checkpoint tensors are its initializers, bit for bit")
PY

if ! node -e "require('onnxruntime-node')" 2>/dev/null; then
  echo "onnxruntime-node not found through NODE_PATH: onnxruntime comparison skipped"
  exit 77
fi
node "$here/ort_compare.js" "$dir/lenet5.onnx" "$dir/ex"
