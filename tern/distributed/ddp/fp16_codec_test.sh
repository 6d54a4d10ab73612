#!/usr/bin/env bash
# `tern train --dist allreduce --codec fp16`: gradients travel as half
# precision, so a worker moves about half the bytes of the fp32 run (a bit
# more: the start-up broadcast stays fp32), and training still learns.
# Usage: fp16_codec_test.sh TERN_BINARY MPIRUN [MPIRUN ARGS...]
set -euo pipefail
tern=$1
shift
mpirun=("$@")
args=(--dist allreduce --dataset synthetic --synthetic-size 960 --batch-size 48 --epochs 2 --threads 1 --json)
summary() {  # json -> "bytes_sent accuracy" of rank 0
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["traffic"][0]["bytes_sent"], d["test_accuracy"])'
}
read -r fp32_bytes fp32_acc < <("${mpirun[@]}" -np 3 "$tern" train "${args[@]}" | summary)
read -r fp16_bytes fp16_acc < <("${mpirun[@]}" -np 3 "$tern" train "${args[@]}" --codec fp16 | summary)
echo "rank 0 sent: fp32 $fp32_bytes bytes (accuracy $fp32_acc), fp16 $fp16_bytes bytes (accuracy $fp16_acc)"
python3 -c 'import sys; a, b, acc = map(float, sys.argv[1:]); sys.exit(0 if 0.45 < b / a < 0.6 and acc > 0.5 else 1)' \
  "$fp32_bytes" "$fp16_bytes" "$fp16_acc" || { echo "FAIL: fp16 did not halve the gradient traffic or did not learn"; exit 1; }
